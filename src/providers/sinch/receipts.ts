import { createHmac } from 'node:crypto';
import { timeOf } from '../receipt-checks.js';
import { accepted, headerOf, type ReceiptOutcome, refused, sameSignature } from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

/** A signature older or newer than this is refused as a replay (each delivery attempt is signed anew: to confirm). */
export const SINCH_MAX_SKEW_SECONDS = 300;

/**
 * Sinch's callback signing, as its SDKs verify it (sinch-sdk-java `HmacAuthenticationValidation`):
 * base64 HMAC-SHA256, keyed by the secret, over `<raw body>.<nonce>.<timestamp>`, with the
 * headers x-sinch-webhook-signature, -nonce, -timestamp (unix seconds) and -algorithm (HmacSHA256).
 */
export function sinchSignature(secret: string, rawBody: string, nonce: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${rawBody}.${nonce}.${timestamp}`).digest('base64');
}

function verify(request: ReceiptRequest, secret: string, nowSeconds: number): string | undefined {
  const signature = headerOf(request, 'x-sinch-webhook-signature');
  const nonce = headerOf(request, 'x-sinch-webhook-signature-nonce');
  const timestamp = headerOf(request, 'x-sinch-webhook-signature-timestamp');
  const algorithm = headerOf(request, 'x-sinch-webhook-signature-algorithm');
  if (!signature || !nonce || !timestamp || !algorithm) return 'unsigned';
  if (algorithm.toLowerCase() !== 'hmacsha256') return 'unsupported signature algorithm';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > SINCH_MAX_SKEW_SECONDS)
    return 'signature too old or too new';
  if (!sameSignature(sinchSignature(secret, request.rawBody, nonce, timestamp), signature))
    return 'bad signature';
  return undefined;
}

/** Final statuses of a recipient's report ("Delivery report statuses"); Queued, Dispatched and Unknown change nothing. */
const FINAL: Record<string, DeliveryReceipt['status']> = {
  Delivered: 'delivered',
  Failed: 'undelivered',
  Rejected: 'undelivered',
  Expired: 'undelivered',
  Aborted: 'undelivered',
  Cancelled: 'undelivered',
  Deleted: 'undelivered',
};

/**
 * `recipient_delivery_report_sms`: `{type, batch_id, recipient, code, status, at, ...}`. Each batch
 * has one recipient, so the batch id is the message's.
 */
function receiptOf(body: unknown): DeliveryReceipt | undefined {
  const report = body as {
    type?: unknown;
    batch_id?: unknown;
    code?: unknown;
    status?: unknown;
    at?: unknown;
  } | null;
  if (report?.type !== 'recipient_delivery_report_sms' || typeof report.batch_id !== 'string')
    return undefined;
  const status = FINAL[String(report.status)];
  if (!status) return undefined;
  return {
    providerMessageId: report.batch_id,
    status,
    detail: `${report.status} (code ${report.code})`,
    at: timeOf(report.at),
  };
}

export function sinchReceipts(secret: string, now: () => number = Date.now): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      const problem = verify(request, secret, Math.floor(now() / 1000));
      if (problem) return refused(problem, 401);
      if (typeof request.body !== 'object' || request.body === null)
        return refused('expected a JSON report', 400);
      const receipt = receiptOf(request.body);
      return accepted(receipt ? [receipt] : []);
    },
  };
}
