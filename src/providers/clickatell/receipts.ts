import { hasToken, timeOf } from '../receipt-checks.js';
import { accepted, type ReceiptOutcome, refused } from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

/**
 * One status update. The One API posts `{integrationId, integrationName, event: {messageStatusUpdate:
 * [...]}}` ("One API Client Callbacks", help.clickatell.com; field names of the update as read by
 * clients of it, to confirm), the SMS-only REST integration a flat `{messageId, statusCode, status,
 * statusDescription, timestamp, ...}` ("REST API: Status callback"). Both are taken.
 */
interface StatusUpdate {
  messageId?: unknown;
  statusCode?: unknown;
  status?: unknown;
  statusDescription?: unknown;
  timestamp?: unknown;
}

/** Final statuses of the "Message Status Table": 5 DEVICE_ACK and 6 READ are deliveries. */
const DELIVERED = new Set([5, 6]);
/** Codes 20 and up are failures (expired, stopped, delivery failure, no balance, routing...), but 24 EMULATED. */
const isFailure = (code: number) => code >= 20 && code !== 24;

/** The names, for an update that carries no code. */
const CODES: Record<string, number> = {
  DEVICE_ACK: 5,
  READ: 6,
  EXPIRED: 20,
  STOPPED_BY_USER: 21,
  STOPPED_BY_ADMIN: 22,
  DELIVERY_FAILURE: 23,
  EMULATED: 24,
  INSUFFICIENT_ACCOUNT_BALANCE: 25,
  RECIPIENT_DOES_NOT_EXIST: 29,
  ROUTING_ERROR: 100,
};

function receiptOf(update: StatusUpdate): DeliveryReceipt | undefined {
  if (typeof update.messageId !== 'string' || update.messageId === '') return undefined;
  const name = typeof update.status === 'string' ? update.status : '';
  const code = Number(update.statusCode ?? CODES[name]);
  if (!Number.isFinite(code) || !(DELIVERED.has(code) || isFailure(code))) return undefined;
  const description = typeof update.statusDescription === 'string' ? ` ${update.statusDescription}` : '';
  return {
    providerMessageId: update.messageId,
    status: DELIVERED.has(code) ? 'delivered' : 'undelivered',
    detail: `${code} ${name}${description}`.trim(),
    at: timeOf(update.timestamp),
  };
}

function updatesOf(body: unknown): StatusUpdate[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const event = (body as { event?: { messageStatusUpdate?: unknown } }).event;
  if (event !== undefined) return Array.isArray(event?.messageStatusUpdate) ? event.messageStatusUpdate : [];
  return [body as StatusUpdate];
}

/**
 * Clickatell signs nothing, so the callback URL set in its portal carries a secret
 * (`?token=<receiptToken>`) and a request without it is refused.
 */
export function clickatellReceipts(receiptToken: string): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      if (!hasToken(request, receiptToken)) return refused('missing or wrong token', 403);
      const updates = updatesOf(request.body);
      if (!updates) return refused('expected a JSON status callback', 400);
      return accepted(updates.flatMap((update) => receiptOf(update) ?? []));
    },
  };
}
