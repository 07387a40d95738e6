import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';

/**
 * Verifies a compact HS256 JWT on the calling thread: the header must say exactly HS256 (no
 * `none`, no other algorithm, no `crit` or `b64` extensions), the HMAC-SHA256 must match in
 * constant time, and the payload must be a JSON object whose `aud` includes `audience` and whose
 * `exp` and `nbf`, when present, hold at `nowSeconds` (give or take `toleranceSeconds`).
 *
 * jose does the same through WebCrypto, whose job round trip cost the gateway about 6 % of its main
 * thread per message (docs/performance.md); an HMAC here takes a few microseconds. Throws an Error
 * saying what is wrong, for the log only.
 */
export function verifyHs256(
  token: string,
  key: Uint8Array,
  audience: string,
  nowSeconds: number,
  toleranceSeconds: number,
): JWTPayload {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw new Error('not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonObject(headerPart, 'header');
  if (header.alg !== 'HS256') throw new Error(`"alg" (Algorithm) Header Parameter value not allowed`);
  if (header.crit !== undefined || header.b64 !== undefined) throw new Error('unsupported JWS extension');
  const expected = createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('signature verification failed');
  }
  const payload = jsonObject(payloadPart, 'payload') as JWTPayload;
  const { aud, exp, nbf, iat } = payload;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(audience)) throw new Error('unexpected "aud" claim value');
  for (const [name, value] of [
    ['exp', exp],
    ['nbf', nbf],
    ['iat', iat],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new Error(`"${name}" claim must be a number`);
    }
  }
  if (exp !== undefined && exp <= nowSeconds - toleranceSeconds)
    throw new Error('"exp" claim timestamp check failed');
  if (nbf !== undefined && nbf > nowSeconds + toleranceSeconds)
    throw new Error('"nbf" claim timestamp check failed');
  return payload;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function jsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
