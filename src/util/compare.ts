import { timingSafeEqual } from 'node:crypto';

/** Compares two secrets (client secrets, CSRF tokens, PKCE challenges) in constant time for their length. */
export function sameSecretText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
