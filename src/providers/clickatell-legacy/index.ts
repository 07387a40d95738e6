import { encodingOf, segmentInfo } from '../../messages/segments.js';
import { defineDriver } from '../driver.js';
import { answerDetail, type HttpAnswer, HttpClient, unanswered } from '../http-client.js';
import { refuseOverSegments } from '../length-limit.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { ClickatellLegacySettings } from './config.js';
import { classifyErr } from './errors.js';
import { metadata } from './metadata.js';
import { clickatellLegacyReceipts } from './receipts.js';

/** Clickatell concatenates up to 35 parts ("SMS concatenation"); `concat` asks for as many as needed. */
const MAX_SEGMENTS = 35;
/** `callback=6`: final and error statuses (004, 005, 007, 009, 010, 012). */
const FINAL_AND_ERROR_STATUSES = '6';

/**
 * The text as the legacy API takes it: plain ASCII as is; anything else as `unicode=1` with the
 * text written as hexadecimal UCS-2 ("text", "unicode" parameters), which spares guessing the
 * gateway's character set.
 */
function textFields(body: string): { text: string; unicode?: string; parts: number } {
  if (encodingOf(body) === 'GSM-7' && /^[\x20-\x7e\n\r]*$/.test(body))
    return { text: body, parts: segmentInfo(body).segments };
  const units = body.length;
  return {
    text: Buffer.from(body, 'utf16le').swap16().toString('hex').toUpperCase(),
    unicode: '1',
    parts: units <= 70 ? 1 : Math.ceil(units / 67),
  };
}

/** `ID: <apiMsgId>` is accepted, `ERR: <code>, <text>` is classified; anything else by its HTTP status. */
function resultOf(answer: HttpAnswer): SendResult {
  const text = answer.body.trim();
  const statusCode = String(answer.status);
  const id = /^ID:\s*([0-9A-Za-z]+)/.exec(text);
  if (answer.outcome === 'accepted' && id?.[1])
    return { outcome: 'accepted', providerMessageId: id[1], statusCode };
  const err = /^ERR:\s*(\d+)\s*,?\s*(.*)$/s.exec(text);
  if (err?.[1]) return classifyErr(err[1], (err[2] ?? '').trim(), answer);
  // A 200 that is neither may or may not have sent the message: retried (delivery is at-least-once).
  const outcome = answer.outcome === 'accepted' ? 'transient' : answer.outcome;
  return { outcome, statusCode, detail: answerDetail(answer) };
}

export function createClickatellLegacyProvider(settings: ClickatellLegacySettings): SmsProvider {
  const http = new HttpClient();
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/http/sendmsg`;
  return {
    name: 'clickatell-legacy',
    receipts: settings.receiptToken
      ? clickatellLegacyReceipts(settings.receiptToken, settings.apiId)
      : undefined,
    async send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult> {
      const { text, unicode, parts } = textFields(message.body);
      const tooLong = refuseOverSegments(
        parts,
        MAX_SEGMENTS,
        'Clickatell',
        `${unicode ? 'UCS-2' : 'text'} in ${parts} segments`,
      );
      if (tooLong) return tooLong;
      // POSTed as a form (the API takes GET or POST): credentials in a body, never in a URL or a log.
      const form = new URLSearchParams({
        user: settings.user,
        password: settings.password,
        api_id: settings.apiId,
        to: message.to.replace(/^\+/, ''),
        text,
      });
      const from = message.from ?? settings.from;
      if (from) form.set('from', from.replace(/^\+/, ''));
      if (unicode) form.set('unicode', unicode);
      if (parts > 1) form.set('concat', String(parts));
      if (settings.receiptToken) form.set('callback', FINAL_AND_ERROR_STATUSES);
      const answer = await http.call({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        timeoutMs: settings.timeoutMs,
        signal,
      });
      if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);
      return resultOf(answer);
    },
    stop: () => http.close(),
  };
}

export const clickatellLegacyDriver = defineDriver({
  name: 'clickatell-legacy',
  metadata,
  settings: ClickatellLegacySettings,
  secrets: ['password', 'receiptToken'],
  create: (settings: ClickatellLegacySettings) => createClickatellLegacyProvider(settings),
});
