import { sameSecretText } from '../util/compare.js';
import type { DeliveryReceipt, ReceiptReply, ReceiptRequest } from './types.js';

/** What a receipt route's `handle` returns. */
export type ReceiptOutcome = { receipts: DeliveryReceipt[]; reply: ReceiptReply };

/** One header's value, whatever its case; a repeated header counts as absent (providers send one). */
export function headerOf(request: ReceiptRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers))
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  return undefined;
}

/** Compares two signatures in constant time for their length; different lengths never match. */
export function sameSignature(expected: string, given: string): boolean {
  return sameSecretText(expected, given);
}

/** Parameters in the order and with the values they arrived in: a form body or a query string. */
export function formParams(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

/** The parameters as a record of single values (the last one wins): what receipt fields are read from. */
export function paramRecord(params: Array<[string, string]>): Record<string, string> {
  return Object.fromEntries(params);
}

/** The provider's receipt arrived and was understood (or ignored): it must not resend it. */
export function accepted(receipts: DeliveryReceipt[] = []): ReceiptOutcome {
  return { receipts, reply: { status: 200, body: '', contentType: 'text/plain' } };
}

/** Refused: no receipts, a 4xx and a short reason that names no secret. */
export function refused(reason: string, status = 403): ReceiptOutcome {
  return { receipts: [], reply: { status, body: reason, contentType: 'text/plain' } };
}

/** Epoch milliseconds of a date the provider wrote, or undefined when it cannot be read. */
export function epochOf(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
