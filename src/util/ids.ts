import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Auth0-style identifiers: 24 hex characters for users and passwordless requests. */
export function hexId(bytes = 12): string {
  return randomBytes(bytes).toString('hex');
}

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function prefixedId(prefix: string): string {
  return `${prefix}_${randomAlphanumeric(16)}`;
}

/** A secret with ~380 bits of entropy, URL-safe. */
export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}
