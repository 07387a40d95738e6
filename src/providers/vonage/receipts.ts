import {
  accepted,
  formParams,
  headerOf,
  paramRecord,
  type ReceiptOutcome,
  refused,
  sameSignature,
} from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';
import type { VonageSettings } from './config.js';
import { vonageSignature } from './signature.js';

/**
 * A signed receipt's `timestamp` may be this far from now. Vonage documents that signatures defend
 * against replay but names no window; five minutes is otpline's choice.
 */
export const VONAGE_RECEIPT_MAX_SKEW_SECONDS = 300;

/** The receipt's fields as strings: a GET's query, or a POST's JSON or form body. */
function fieldsOf(request: ReceiptRequest, method: 'GET' | 'POST'): Record<string, string> | undefined {
  if (method === 'GET') return { ...request.query };
  if (/json/i.test(headerOf(request, 'content-type') ?? '')) {
    try {
      const parsed: unknown = JSON.parse(request.rawBody);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
    } catch {
      return undefined;
    }
  }
  return paramRecord(formParams(request.rawBody));
}

/** "2020-01-01 12:00:00", when Vonage started sending the receipt (UTC), in epoch milliseconds. */
function timeOf(text: string | undefined): number | undefined {
  const match = text?.match(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

/** Checks the signature and its age when a signature secret is set; says what is wrong, if anything. */
function problemWith(
  fields: Record<string, string>,
  settings: VonageSettings,
  now: number,
): string | undefined {
  if (!settings.signatureSecret) {
    // Unsigned receipts are taken only when no signature secret is configured; the API key, which
    // Vonage puts in every receipt, must still be this account's.
    const apiKey = fields['api-key'];
    return apiKey !== undefined && apiKey !== settings.apiKey ? 'receipt for another API key' : undefined;
  }
  const sig = fields.sig;
  if (!sig) return 'unsigned receipt, but a signature secret is configured';
  const expected = vonageSignature(fields, settings.signatureSecret, settings.signatureMethod);
  if (!sameSignature(expected.toLowerCase(), sig.toLowerCase())) return 'signature does not match';
  const timestamp = Number(fields.timestamp);
  if (!Number.isFinite(timestamp) || Math.abs(now / 1000 - timestamp) > VONAGE_RECEIPT_MAX_SKEW_SECONDS)
    return 'signed timestamp missing or too far from now';
  return undefined;
}

/**
 * Vonage delivery receipts (DLRs) at the `callback` given with each message: `delivered` becomes a
 * delivered receipt; `failed`, `rejected` and `expired` undelivered, with `err-code`; `accepted`,
 * `buffered` and `unknown` are acknowledged and dropped. Vonage wants a 200 or it resends.
 */
export function vonageReceipts(settings: VonageSettings, now: () => number = Date.now): ReceiptRoute {
  const method = settings.receiptMethod;
  return {
    method,
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      const fields = fieldsOf(request, method);
      if (!fields) return refused('receipt body is not JSON', 400);
      const problem = problemWith(fields, settings, now());
      if (problem) return refused(problem);
      const receipt = receiptOf(fields);
      return accepted(receipt ? [receipt] : []);
    },
  };
}

function receiptOf(fields: Record<string, string>): DeliveryReceipt | undefined {
  const id = fields.messageId;
  const status = fields.status;
  if (!id || !status) return undefined;
  const at = timeOf(fields['message-timestamp']);
  const when = at === undefined ? {} : { at };
  if (status === 'delivered')
    return { providerMessageId: id, status: 'delivered', detail: 'delivered', ...when };
  if (status !== 'failed' && status !== 'rejected' && status !== 'expired') return undefined;
  const code = fields['err-code'] ? `, err-code ${fields['err-code']}` : '';
  return { providerMessageId: id, status: 'undelivered', detail: `${status}${code}`, ...when };
}
