import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { timeOf } from '../receipt-checks.js';
import { accepted, headerOf, type ReceiptOutcome, refused } from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

/** Telnyx's own clients refuse a timestamp more than 5 minutes away (telnyx-node `TelnyxWebhook`). */
export const TELNYX_MAX_SKEW_SECONDS = 300;

/** The portal gives the key as 32 raw bytes in base64. */
export function telnyxPublicKey(base64: string): KeyObject {
  const x = Buffer.from(base64, 'base64').toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** Ed25519 over `<telnyx-timestamp>|<raw body>`, the signature base64 in telnyx-signature-ed25519. */
function check(request: ReceiptRequest, key: KeyObject, nowSeconds: number): string | undefined {
  const signature = headerOf(request, 'telnyx-signature-ed25519');
  const timestamp = headerOf(request, 'telnyx-timestamp');
  if (!signature || !timestamp) return 'unsigned';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TELNYX_MAX_SKEW_SECONDS)
    return 'signature too old or too new';
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return 'bad signature';
  return verify(null, Buffer.from(`${timestamp}|${request.rawBody}`), key, bytes)
    ? undefined
    : 'bad signature';
}

/** Final statuses of a recipient (`OutboundMessagePayload.to[].status`); delivery_unconfirmed says nothing. */
const FINAL: Record<string, DeliveryReceipt['status']> = {
  delivered: 'delivered',
  delivery_failed: 'undelivered',
  sending_failed: 'undelivered',
};

interface OutboundMessage {
  id?: unknown;
  completed_at?: unknown;
  to?: Array<{ status?: unknown }>;
  errors?: Array<{ code?: unknown; title?: unknown }>;
}

/** `{data: {event_type: "message.sent" | "message.finalized", occurred_at, payload}}` (telnyx-node `DeliveryUpdateWebhookEvent`). */
function receiptOf(body: unknown): DeliveryReceipt | undefined {
  const data = (
    body as { data?: { event_type?: unknown; occurred_at?: unknown; payload?: OutboundMessage } } | null
  )?.data;
  const payload = data?.payload;
  if (data?.event_type !== 'message.finalized' || typeof payload?.id !== 'string') return undefined;
  const recipient = String(payload.to?.[0]?.status ?? '');
  const status = FINAL[recipient];
  if (!status) return undefined;
  const error = payload.errors?.[0];
  const reason = error ? `; ${error.code} ${error.title ?? ''}`.trimEnd() : '';
  return {
    providerMessageId: payload.id,
    status,
    detail: `${recipient}${reason}`,
    at: timeOf(payload.completed_at ?? data.occurred_at),
  };
}

export function telnyxReceipts(publicKey: string, now: () => number = Date.now): ReceiptRoute {
  const key = telnyxPublicKey(publicKey);
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      const problem = check(request, key, Math.floor(now() / 1000));
      if (problem) return refused(problem, 401);
      if (typeof request.body !== 'object' || request.body === null)
        return refused('expected a JSON webhook', 400);
      const receipt = receiptOf(request.body);
      return accepted(receipt ? [receipt] : []);
    },
  };
}
