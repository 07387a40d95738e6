import { createHmac } from 'node:crypto';
import {
  accepted,
  formParams,
  headerOf,
  paramRecord,
  type ReceiptOutcome,
  refused,
  sameSignature,
} from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

/**
 * `X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the auth token, over the full URL Twilio called
 * followed by each POST parameter's name and value, sorted by name, with no separators
 * (https://www.twilio.com/docs/usage/security#validating-requests; Twilio's own example:
 * token "12345" gives "0/KCTR6DLpKmkAf8muzZqo1nDgQ=").
 */
export function twilioSignature(authToken: string, url: string, params: Array<[string, string]>): string {
  const sorted = [...params].sort(([a, va], [b, vb]) => (a === b ? compare(va, vb) : compare(a, b)));
  const data = url + sorted.map(([name, value]) => name + value).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The URL as Twilio may have signed it: as called, and with or without the scheme's default port
 * (Twilio's helper libraries try both, as proxies add or drop it).
 */
function urlVariants(raw: string): string[] {
  const variants = new Set([raw]);
  try {
    const url = new URL(raw);
    const port = url.protocol === 'https:' ? '443' : '80';
    const path = `${url.pathname}${url.search}`;
    variants.add(`${url.protocol}//${url.hostname}${path}`);
    variants.add(`${url.protocol}//${url.hostname}:${port}${path}`);
  } catch {
    // Not a URL: only the text as given can match.
  }
  return [...variants];
}

/**
 * Message status callbacks (form POSTs with MessageSid, MessageStatus, ErrorCode): `delivered` and
 * the failures `undelivered`/`failed` become receipts; queued, sent and the rest are acknowledged
 * and dropped. Twilio signs no timestamp, so a replay cannot be told from a resend: receipts are
 * applied idempotently, which makes both harmless.
 */
export function twilioReceipts(authToken: string): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      const signature = headerOf(request, 'x-twilio-signature');
      if (!signature) return refused('missing X-Twilio-Signature');
      const params = formParams(request.rawBody);
      const valid = urlVariants(request.url).some((url) =>
        sameSignature(twilioSignature(authToken, url, params), signature),
      );
      if (!valid) return refused('X-Twilio-Signature does not match');
      const receipt = receiptOf(paramRecord(params));
      return accepted(receipt ? [receipt] : []);
    },
  };
}

function receiptOf(fields: Record<string, string>): DeliveryReceipt | undefined {
  const id = fields.MessageSid ?? fields.SmsSid;
  const status = fields.MessageStatus ?? fields.SmsStatus;
  if (!id || !status) return undefined;
  if (status === 'delivered') return { providerMessageId: id, status: 'delivered', detail: 'delivered' };
  if (status !== 'undelivered' && status !== 'failed') return undefined;
  const code = fields.ErrorCode ? `, Twilio error ${fields.ErrorCode}` : '';
  // Twilio sends no time of its own but RawDlrDoneDate, in the carrier's unnamed time zone: not used.
  return { providerMessageId: id, status: 'undelivered', detail: `${status}${code}` };
}
