import { type DriverContext, defineDriver } from '../driver.js';
import { type HttpAnswer, HttpClient, jsonOf, unanswered } from '../http-client.js';
import { refuseOverLength } from '../length-limit.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { InfobipSettings } from './config.js';
import { classifyRefusal, classifyStatus, type InfobipStatus } from './errors.js';
import { metadata } from './metadata.js';
import { derivedReceiptToken, infobipReceipts } from './receipts.js';

/** otpline's bound, Infobip publishing none we could find (to confirm); a longer text is refused as too long. */
const MAX_SEGMENTS = 10;

/** The portal shows the base URL without a scheme (`xxxxx.api.infobip.com`): both are taken. */
function apiBase(baseUrl: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/**
 * The request, from "Send SMS message" (v3) and the official clients' tests: `{messages: [{sender,
 * destinations: [{to}], content: {text}, webhooks: {delivery: {url}, contentType}}]}`, `to` in
 * international format without "+".
 */
function requestBody(message: OutgoingSms, from: string | undefined, reportUrl: string | undefined): string {
  const sms: Record<string, unknown> = {
    destinations: [{ to: message.to.replace(/^\+/, '') }],
    content: { text: message.body },
  };
  if (from) sms.sender = from;
  if (reportUrl) sms.webhooks = { delivery: { url: reportUrl }, contentType: 'application/json' };
  return JSON.stringify({ messages: [sms] });
}

/** 200 with `{bulkId, messages: [{messageId, status, destination}]}`; a REJECTED status is a refusal. */
function resultOf(answer: HttpAnswer): SendResult {
  if (answer.outcome !== 'accepted') return classifyRefusal(answer);
  const first = (
    jsonOf(answer) as { messages?: Array<{ messageId?: unknown; status?: InfobipStatus }> } | undefined
  )?.messages?.[0];
  const group = String(first?.status?.groupName ?? '');
  if (
    typeof first?.messageId === 'string' &&
    (group === 'PENDING' || group === 'DELIVERED' || group === 'OK')
  )
    return { outcome: 'accepted', providerMessageId: first.messageId, statusCode: String(answer.status) };
  return first?.status ? classifyStatus(first.status, answer) : classifyRefusal(answer);
}

export function createInfobipProvider(
  settings: InfobipSettings,
  context: Pick<DriverContext, 'receiptUrl'>,
): SmsProvider {
  const http = new HttpClient();
  const url = `${apiBase(settings.baseUrl)}/sms/3/messages`;
  const token = settings.receiptToken ?? derivedReceiptToken(settings.apiKey);
  const reportUrl = context.receiptUrl
    ? `${context.receiptUrl}${context.receiptUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`
    : undefined;
  return {
    name: 'infobip',
    receipts: infobipReceipts(token),
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const tooLong = refuseOverLength(message.body, MAX_SEGMENTS, 'Infobip');
      if (tooLong) return tooLong;
      const answer = await http.call({
        method: 'POST',
        url,
        headers: {
          authorization: `App ${settings.apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: requestBody(message, message.from ?? settings.from, reportUrl),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      return resultOf(answer);
    },
    stop: () => http.close(),
  };
}

export const infobipDriver = defineDriver({
  name: 'infobip',
  metadata,
  settings: InfobipSettings,
  secrets: ['apiKey', 'receiptToken'],
  create: (settings: InfobipSettings, context: DriverContext) => createInfobipProvider(settings, context),
});
