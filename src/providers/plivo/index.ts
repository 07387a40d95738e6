import { type DriverContext, defineDriver } from '../driver.js';
import { HttpClient, jsonOf, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { classifyPlivoFailure } from './classify.js';
import { PlivoSettings } from './config.js';
import { metadata } from './metadata.js';
import { plivoReceipts } from './receipts.js';

/**
 * Plivo splits long texts itself. Its ceiling could not be confirmed from its reference here;
 * otpline sends at most 1,600 characters, and a refusal of a long text is classified as permanent.
 */
export const PLIVO_MAX_TEXT = 1600;

/** `POST /v1/Account/{auth_id}/Message/` (https://www.plivo.com/docs/messaging/api/message/send-a-message). */
function messageJson(message: OutgoingSms, src: string, statusUrl: string | undefined): string {
  return JSON.stringify({
    src,
    dst: message.to,
    text: message.body,
    type: 'sms',
    ...(statusUrl ? { url: statusUrl, method: 'POST' } : {}),
  });
}

/** A 202 says `{message_uuid: [...]}`; a destination Plivo could not use is listed in `invalid_number`. */
interface Queued {
  message_uuid?: unknown;
  invalid_number?: unknown;
}

export function createPlivoProvider(
  settings: PlivoSettings,
  context: Partial<DriverContext> = {},
): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/v1/Account/${encodeURIComponent(settings.authId)}/Message/`;
  const authorization = `Basic ${Buffer.from(`${settings.authId}:${settings.authToken}`).toString('base64')}`;
  return {
    name: 'plivo',
    receipts: plivoReceipts(settings.authToken),
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      if (message.body.length > PLIVO_MAX_TEXT)
        return {
          outcome: 'permanent',
          detail: `the body has ${message.body.length} characters; otpline sends at most ${PLIVO_MAX_TEXT} through Plivo`,
        };
      const src = message.from ?? settings.from;
      if (!src)
        return { outcome: 'permanent', detail: 'no sender: the message names none; set OTPLINE_PLIVO_FROM' };
      const answer = await http.call({
        method: 'POST',
        url,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: messageJson(message, src, context.receiptUrl),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      if (answer.outcome !== 'accepted') return classifyPlivoFailure(answer);
      const statusCode = String(answer.status);
      const queued = (jsonOf(answer) as Queued | undefined) ?? {};
      const id = Array.isArray(queued.message_uuid) ? queued.message_uuid[0] : undefined;
      if (typeof id === 'string') return { outcome: 'accepted', providerMessageId: id, statusCode };
      if (Array.isArray(queued.invalid_number) && queued.invalid_number.length > 0)
        return {
          outcome: 'rejected_number',
          statusCode,
          detail: `Plivo: invalid_number ${queued.invalid_number.join(', ')}`,
        };
      return { outcome: 'accepted', providerMessageId: null, statusCode };
    },
    stop: () => http.close(),
  };
}

export const plivoDriver = defineDriver({
  name: 'plivo',
  metadata,
  settings: PlivoSettings,
  secrets: ['authToken'],
  create: (settings: PlivoSettings, context: DriverContext) => createPlivoProvider(settings, context),
});
