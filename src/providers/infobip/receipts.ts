import { createHmac } from 'node:crypto';
import { hasToken, timeOf } from '../receipt-checks.js';
import { accepted, type ReceiptOutcome, refused } from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

/**
 * A delivery report ("Receive outbound SMS message report"; `SmsDeliveryReport` of Infobip's
 * clients): `{results: [{messageId, to, sentAt, doneAt, status: {groupName, name, description},
 * error: {name, description, permanent}}]}`.
 */
interface InfobipReport {
  messageId?: unknown;
  doneAt?: unknown;
  status?: { groupName?: unknown; name?: unknown; description?: unknown };
  error?: { name?: unknown; description?: unknown };
}

/** Final groups: DELIVERED; UNDELIVERABLE, EXPIRED and REJECTED did not arrive. PENDING changes nothing. */
const FINAL: Record<string, DeliveryReceipt['status']> = {
  DELIVERED: 'delivered',
  UNDELIVERABLE: 'undelivered',
  EXPIRED: 'undelivered',
  REJECTED: 'undelivered',
};

function receiptOf(report: InfobipReport): DeliveryReceipt | undefined {
  const status = FINAL[String(report.status?.groupName)];
  if (!status || typeof report.messageId !== 'string' || report.messageId === '') return undefined;
  const error =
    report.error?.name && report.error.name !== 'NO_ERROR'
      ? `; ${report.error.name}: ${report.error.description ?? ''}`
      : '';
  return {
    providerMessageId: report.messageId,
    status,
    detail:
      `${report.status?.name ?? report.status?.groupName}: ${report.status?.description ?? ''}${error}`.trim(),
    at: timeOf(report.doneAt),
  };
}

/** The token in the report URL when none is set: stable, unguessable without the API key, and not the key. */
export function derivedReceiptToken(apiKey: string): string {
  return createHmac('sha256', apiKey).update('otpline infobip delivery reports').digest('base64url');
}

/** Infobip signs nothing: the report URL otpline gives per message carries a secret token. */
export function infobipReceipts(receiptToken: string): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      if (!hasToken(request, receiptToken)) return refused('missing or wrong token', 403);
      const results = (request.body as { results?: unknown } | null)?.results;
      if (!Array.isArray(results)) return refused('expected {results: [...]}', 400);
      return accepted(results.flatMap((report: InfobipReport) => receiptOf(report) ?? []));
    },
  };
}
