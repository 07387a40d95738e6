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

type Params = Array<[string, string]>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by name, then by value for a repeated name. */
function sorted(params: Params): Params {
  return [...params].sort(([a, va], [b, vb]) => compare(a, b) || compare(va, vb));
}

/**
 * The string Plivo signs for a POST (`construct_post_url` in Plivo's Python SDK,
 * plivo/utils/signature_v3.py, and `GenerateUrl` in its Go SDK): the URL without its query; then,
 * when there is a query or a body, "?" and the query's `name=value` pairs sorted and joined by "&";
 * then "." when there are both; then each POST parameter's name and value, sorted, with nothing
 * between. (Plivo's Node SDK writes `name=value` for POST parameters instead; the Python and Go
 * SDKs agree with each other, and otpline follows them.)
 */
export function plivoSignedUrl(url: string, post: Params): string {
  const parsed = new URL(url);
  const base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  const query = sorted([...parsed.searchParams])
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const body = sorted(post)
    .map(([name, value]) => name + value)
    .join('');
  if (!query && !body) return base;
  return `${base}?${query}${query && body ? '.' : ''}${body}`;
}

/** `X-Plivo-Signature-V3`: base64 HMAC-SHA256, keyed by the Auth Token, of the signed URL, ".", the nonce. */
export function plivoSignatureV3(authToken: string, url: string, post: Params, nonce: string): string {
  return createHmac('sha256', authToken)
    .update(`${plivoSignedUrl(url, post)}.${nonce}`, 'utf8')
    .digest('base64');
}

/**
 * Plivo's message status callbacks (form POSTs to the `url` given with each message): `delivered`
 * becomes a delivered receipt; `undelivered`, `failed` and `rejected` undelivered, with Plivo's
 * `ErrorCode`; `queued` and `sent` are acknowledged and dropped. The header may list several
 * signatures, one per active Auth Token. Plivo signs a nonce but no time, so a replay cannot be told
 * from a resend: receipts are applied idempotently, which makes both harmless.
 */
export function plivoReceipts(authToken: string): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      const signatures = headerOf(request, 'x-plivo-signature-v3');
      const nonce = headerOf(request, 'x-plivo-signature-v3-nonce');
      if (!signatures || !nonce) return refused('missing X-Plivo-Signature-V3 or its nonce');
      const params = formParams(request.rawBody);
      let expected: string;
      try {
        expected = plivoSignatureV3(authToken, request.url, params, nonce);
      } catch {
        return refused('the receipt URL cannot be read', 400);
      }
      const valid = signatures.split(',').some((signature) => sameSignature(expected, signature.trim()));
      if (!valid) return refused('X-Plivo-Signature-V3 does not match');
      const receipt = receiptOf(paramRecord(params));
      return accepted(receipt ? [receipt] : []);
    },
  };
}

function receiptOf(fields: Record<string, string>): DeliveryReceipt | undefined {
  const id = fields.MessageUUID;
  const status = fields.Status;
  if (!id || !status) return undefined;
  if (status === 'delivered') return { providerMessageId: id, status: 'delivered', detail: 'delivered' };
  if (!['undelivered', 'failed', 'rejected'].includes(status)) return undefined;
  const code = fields.ErrorCode ? `, Plivo error ${fields.ErrorCode}` : '';
  return { providerMessageId: id, status: 'undelivered', detail: `${status}${code}` };
}
