import { type DriverContext, defineDriver } from '../driver.js';
import { type HttpAnswer, HttpClient, jsonOf, unanswered } from '../http-client.js';
import { refuseOverLength } from '../length-limit.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { ClickatellSettings } from './config.js';
import { classifyError, classifyStatus, errorOf } from './errors.js';
import { metadata } from './metadata.js';
import { clickatellReceipts } from './receipts.js';

/** Clickatell concatenates up to 35 parts ("SMS concatenation"); an integration may allow fewer (error 100). */
const MAX_SEGMENTS = 35;

/**
 * The request, from "Send messages" (POST /v1/message): `{messages: [{channel, to, content, from?}]}`,
 * `to` in international format without "+". The message's own sender is not passed: a one-way
 * integration refuses a `from`, so only the configured one is.
 */
function requestBody(message: OutgoingSms, settings: ClickatellSettings): string {
  const sms: Record<string, string> = {
    channel: 'sms',
    to: message.to.replace(/^\+/, ''),
    content: message.body,
  };
  if (settings.from) sms.from = settings.from;
  return JSON.stringify({ messages: [sms] });
}

/** 202 (or 207) with `messages[0]` `{apiMessageId, accepted, to, error}`; errors per message or per request. */
function resultOf(answer: HttpAnswer): SendResult {
  const first = (
    jsonOf(answer) as { messages?: Array<{ apiMessageId?: unknown; accepted?: unknown }> } | undefined
  )?.messages?.[0];
  if (answer.outcome === 'accepted' && first?.accepted === true && typeof first.apiMessageId === 'string')
    return { outcome: 'accepted', providerMessageId: first.apiMessageId, statusCode: String(answer.status) };
  const error = errorOf(answer);
  return error ? classifyError(error, answer) : classifyStatus(answer);
}

export function createClickatellProvider(settings: ClickatellSettings): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/v1/message`;
  return {
    name: 'clickatell',
    receipts: settings.receiptToken ? clickatellReceipts(settings.receiptToken) : undefined,
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const tooLong = refuseOverLength(message.body, MAX_SEGMENTS, 'Clickatell');
      if (tooLong) return tooLong;
      const answer = await http.call({
        method: 'POST',
        url,
        headers: {
          authorization: settings.apiKey,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: requestBody(message, settings),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      return resultOf(answer);
    },
    stop: () => http.close(),
  };
}

export const clickatellDriver = defineDriver({
  name: 'clickatell',
  metadata,
  settings: ClickatellSettings,
  secrets: ['apiKey', 'receiptToken'],
  create: (settings: ClickatellSettings, _context: DriverContext) => createClickatellProvider(settings),
});
