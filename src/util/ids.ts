import { randomBytes, randomFillSync, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Auth0-style identifiers for users and passwordless requests: 24 hex characters laid out as a
 * MongoDB ObjectId (which Auth0's are), 4 bytes of seconds since 1970 and then 8 random bytes.
 * Time first: the rows of one moment share the right edge of their primary-key index, so a commit
 * rewrites a few index pages instead of one random page per row (docs/performance.md).
 */
export function hexId(): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomHex(8);
}

/**
 * Random bytes for identifiers come from a pool refilled 4 KiB at a time: one call into OpenSSL
 * per 512 identifiers. A call per identifier (`randomBytes(8)`) cost 6 µs in a tight loop and
 * about 30 under load, two per login (docs/performance.md). Identifiers are not secrets; the pool
 * holds the same CSPRNG output.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/**
 * `msg_…`, `att_…`, `con_…`: 16 characters after the prefix, the first 8 the time in milliseconds
 * (base 36, in order until 2059), then 8 random letters and digits; time first for the same reason
 * as hexId.
 */
export function prefixedId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(8, '0')}${randomAlphanumeric(8)}`;
}

/** A secret with ~380 bits of entropy, URL-safe. */
export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}
