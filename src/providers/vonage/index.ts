import { encodingOf } from '../../messages/segments.js';
import { type DriverContext, defineDriver } from '../driver.js';
import { answerDetail, HttpClient, unanswered } from '../http-client.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { classifyVonageStatus, partsOf } from './classify.js';
import { VonageSettings } from './config.js';
import { metadata } from './metadata.js';
import { vonageReceipts } from './receipts.js';
import { vonageSignature } from './signature.js';

/**
 * The longest text sent. Vonage splits long texts itself but documents no ceiling that could be
 * confirmed here (status 12, "Message Too Long", covers the rest): 3,200 characters is otpline's.
 */
export const VONAGE_MAX_TEXT = 3200;

/** Fields of `POST /sms/json` (Vonage's sms.yml `NewMessage`): `to` is E.164 without the "+". */
function messageFields(
  settings: VonageSettings,
  message: OutgoingSms,
  from: string,
  callback: string | undefined,
): Record<string, string> {
  const fields: Record<string, string> = {
    api_key: settings.apiKey,
    from,
    to: message.to.replace(/^\+/, ''),
    text: message.body,
    // GSM-7 text may go as `text`; anything else must be `unicode` or it arrives garbled.
    type: encodingOf(message.body) === 'UCS-2' ? 'unicode' : 'text',
    'client-ref': message.id.slice(0, 40),
  };
  if (callback) fields.callback = callback;
  // A signed request may not carry the API secret too (status 32): one or the other.
  if (settings.apiSecret) fields.api_secret = settings.apiSecret;
  else if (settings.signatureSecret) {
    fields.timestamp = String(Math.floor(Date.now() / 1000));
    fields.sig = vonageSignature(fields, settings.signatureSecret, settings.signatureMethod);
  }
  return fields;
}

export function createVonageProvider(
  settings: VonageSettings,
  context: Partial<DriverContext> = {},
): SmsProvider {
  if (!settings.apiSecret && !settings.signatureSecret)
    throw new Error(
      'provider.vonage needs apiSecret or signatureSecret (OTPLINE_VONAGE_API_SECRET or _SIGNATURE_SECRET)',
    );
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/sms/json`;
  return {
    name: 'vonage',
    receipts: vonageReceipts(settings),
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      if (message.body.length > VONAGE_MAX_TEXT)
        return {
          outcome: 'permanent',
          detail: `the body has ${message.body.length} characters; otpline sends at most ${VONAGE_MAX_TEXT} through Vonage`,
        };
      const from = message.from ?? settings.from;
      if (!from)
        return { outcome: 'permanent', detail: 'no sender: the message names none; set OTPLINE_VONAGE_FROM' };
      const answer = await http.call({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(messageFields(settings, message, from, context.receiptUrl)).toString(),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      const statusCode = String(answer.status);
      // Vonage judges each message in a 200; anything else is the HTTP layer's failure.
      if (answer.status !== 200) {
        const outcome = answer.outcome === 'accepted' ? 'transient' : answer.outcome;
        const fault = answer.status === 401 || answer.status === 403 ? { providerFault: true } : {};
        return { outcome, statusCode, detail: answerDetail(answer), ...fault };
      }
      const parts = partsOf(answer);
      if (!parts)
        return { outcome: 'transient', statusCode, detail: `not Vonage's answer: ${answerDetail(answer)}` };
      // A long message has one entry per part; the first failing part decides (earlier parts may be sent).
      const failed = parts.find((part) => String(part.status) !== '0');
      if (failed) return classifyVonageStatus(failed, answer.status);
      const id = parts[0]?.['message-id'];
      // Receipts come per part; they are matched by the first part's id.
      return { outcome: 'accepted', providerMessageId: typeof id === 'string' ? id : null, statusCode };
    },
    stop: () => http.close(),
  };
}

export const vonageDriver = defineDriver({
  name: 'vonage',
  metadata,
  settings: VonageSettings,
  secrets: ['apiSecret', 'signatureSecret'],
  create: (settings: VonageSettings, context: DriverContext) => createVonageProvider(settings, context),
});
