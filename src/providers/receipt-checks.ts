import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeliveryReceipt, ReceiptReply, ReceiptRequest } from './types.js';

/** What a receipt route answers: the receipts found and the reply the provider gets. */
export type ReceiptOutcome = { receipts: DeliveryReceipt[]; reply: ReceiptReply };

/** Compares a secret in constant time; hashing first hides the expected length too. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A header's (first) value; Node gives header names in lower case. */
export function header(request: ReceiptRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A request that failed the checks: no receipts, and a 4xx saying why (never what was expected). */
export function refuse(status: 400 | 401 | 403, text: string): ReceiptOutcome {
  return { receipts: [], reply: { status, body: text, contentType: 'text/plain' } };
}

/** The receipts found, acknowledged with a 200 so the provider stops resending them. */
export function acknowledge(receipts: DeliveryReceipt[]): ReceiptOutcome {
  return { receipts, reply: { status: 200 } };
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

/** The token in a callback URL's query (`?token=...`), for providers that sign nothing. */
export function hasToken(request: ReceiptRequest, expected: string): boolean {
  return sameSecret(request.query.token, expected);
}
