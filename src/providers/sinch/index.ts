import { type DriverContext, defineDriver } from '../driver.js';
import { type HttpAnswer, HttpClient, jsonOf, unanswered } from '../http-client.js';
import { refuseOverLength } from '../length-limit.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { SinchSettings } from './config.js';
import { classifyRefusal } from './errors.js';
import { metadata } from './metadata.js';
import { sinchReceipts } from './receipts.js';

/** otpline's bound, Sinch's own maximum of parts being set per account (to confirm); longer is refused. */
const MAX_SEGMENTS = 10;

/**
 * A one-recipient text batch ("Send": `mt_text` fields `to[]`, `from`, `body`, `delivery_report`,
 * `callback_url`; sinch-sdk-java's TextRequest). `per_recipient_final` reports each recipient's
 * final status only, the one otpline needs.
 */
function requestBody(
  message: OutgoingSms,
  from: string | undefined,
  callbackUrl: string | undefined,
): string {
  const batch: Record<string, unknown> = { to: [message.to], body: message.body };
  if (from) batch.from = from;
  if (callbackUrl)
    Object.assign(batch, { delivery_report: 'per_recipient_final', callback_url: callbackUrl });
  return JSON.stringify(batch);
}

/** 201 with the batch, whose `id` delivery reports name as `batch_id`. */
function resultOf(answer: HttpAnswer): SendResult {
  const id = (jsonOf(answer) as { id?: unknown } | undefined)?.id;
  if (answer.outcome === 'accepted' && typeof id === 'string')
    return { outcome: 'accepted', providerMessageId: id, statusCode: String(answer.status) };
  return classifyRefusal(answer);
}

export function createSinchProvider(
  settings: SinchSettings,
  context: Pick<DriverContext, 'receiptUrl'>,
): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/xms/v1/${encodeURIComponent(settings.servicePlanId)}/batches`;
  // Reports are asked for only when they can be verified.
  const callbackUrl = settings.callbackSecret ? context.receiptUrl : undefined;
  return {
    name: 'sinch',
    receipts: settings.callbackSecret ? sinchReceipts(settings.callbackSecret) : undefined,
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const tooLong = refuseOverLength(message.body, MAX_SEGMENTS, 'Sinch');
      if (tooLong) return tooLong;
      const answer = await http.call({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${settings.apiToken}`, 'content-type': 'application/json' },
        body: requestBody(message, message.from ?? settings.from, callbackUrl),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      return resultOf(answer);
    },
    stop: () => http.close(),
  };
}

export const sinchDriver = defineDriver({
  name: 'sinch',
  metadata,
  settings: SinchSettings,
  secrets: ['apiToken', 'callbackSecret'],
  create: (settings: SinchSettings, context: DriverContext) => createSinchProvider(settings, context),
});
