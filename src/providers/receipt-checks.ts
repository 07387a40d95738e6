import { createHash, timingSafeEqual } from 'node:crypto';
import type { ReceiptRequest } from './types.js';

/*
 * What receipt routes need beyond receipt-kit.ts: a secret token in the callback URL, for providers
 * that sign nothing, and the time formats they write.
 */

/** Compares a secret in constant time; hashing first hides the expected length too. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The callback URL carries the operator's secret as `?token=...`. */
export function hasToken(request: ReceiptRequest, expected: string): boolean {
  return sameSecret(request.query.token, expected);
}

/**
 * A provider's time as epoch milliseconds: a number or numeric string (seconds below 10^12, else
 * milliseconds) or an ISO 8601 text, `+0000` offsets included (Infobip writes them so).
 */
export function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    return n < 1e12 ? Math.round(n * 1000) : n;
  }
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? undefined : at;
}
