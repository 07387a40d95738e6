import { createHash, createHmac } from 'node:crypto';
import type { HttpApiModel, RecordedRequest, ScriptedReply } from '../../helpers/fake-http-api.js';
import { isGsm } from './gsm.js';

/**
 * Vonage's SMS API as the driver meets it, from Vonage's OpenAPI document (Nexmo/api-specification,
 * definitions/sms.yml): `POST /sms/json`, form-encoded `NewMessage` (required api_key, from, to;
 * `to` matches \d{7,15}; api_secret unless signed with `sig`), always HTTP 200 with
 * `{"message-count", messages: [{status, "message-id" | "error-text", ...}]}` and the `x-errors`
 * status codes. `test/providers/vonage.test.ts` checks these facts against the document.
 */
export const VONAGE_FIELDS = [
  'api_key',
  'api_secret',
  'sig',
  'timestamp',
  'from',
  'to',
  'text',
  'type',
  'client-ref',
  'callback',
];
export const VONAGE_REQUIRED = ['api_key', 'from', 'to'];
/** A Vonage answer: HTTP 200 and one entry per part. */
export function vonageAnswer(...messages: Array<Record<string, string>>): ScriptedReply {
  return { status: 200, body: JSON.stringify({ 'message-count': String(messages.length), messages }) };
}

export function vonageError(status: string, errorText: string): ScriptedReply {
  return vonageAnswer({ status, 'error-text': errorText });
}

/** The fake's own signature check, written from Vonage's documentation apart from the driver's. */
function signatureOf(fields: URLSearchParams, secret: string, method: string): string {
  const names = [...fields.keys()].filter((n) => n !== 'sig').sort();
  const base = names
    .map((n) => `&${n}=${(fields.get(n) ?? '').replaceAll('&', '_').replaceAll('=', '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(base + secret)
      .digest('hex');
  return createHmac(method, secret).update(base).digest('hex').toUpperCase();
}

export interface VonageAccount {
  apiKey: string;
  apiSecret: string;
  signatureSecret: string;
  signatureMethod: string;
}

/** The fake's refusals that Vonage gives no documented text for: the test shows what was wrong. */
function fakeOnly(problem: string): ScriptedReply {
  return vonageError('3', `fake Vonage: ${problem}`);
}

function checkCredentials(fields: URLSearchParams, account: VonageAccount): ScriptedReply | undefined {
  if (fields.get('api_key') !== account.apiKey) return vonageError('4', 'Bad Credentials');
  const sig = fields.get('sig');
  if (sig !== null && fields.has('api_secret'))
    return vonageError('32', 'Signature And API Secret Disallowed');
  if (sig === null)
    return fields.get('api_secret') === account.apiSecret ? undefined : vonageError('4', 'Bad Credentials');
  const expected = signatureOf(fields, account.signatureSecret, account.signatureMethod);
  if (!fields.has('timestamp') || sig.toLowerCase() !== expected.toLowerCase())
    return vonageError('14', 'Invalid Signature');
  return undefined;
}

export function vonageApi(account: VonageAccount): HttpApiModel {
  return {
    takesIdempotencyKey: false,
    check(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== '/sms/json') return { status: 404, body: '' };
      if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return vonageError('2', 'Missing api_key');
      const fields = new URLSearchParams(request.raw);
      const unknown = [...fields.keys()].find((k) => !VONAGE_FIELDS.includes(k));
      if (unknown) return fakeOnly(`unexpected field ${unknown}`);
      const missing = [...VONAGE_REQUIRED, 'text'].find((k) => !fields.get(k));
      if (missing) return vonageError('2', `Missing ${missing} param`);
      const refusal = checkCredentials(fields, account);
      if (refusal) return refusal;
      if (!/^\d{7,15}$/.test(fields.get('to') ?? '')) return vonageError('3', 'Invalid to address');
      const type = fields.get('type') ?? 'text';
      if (!['text', 'unicode'].includes(type)) return fakeOnly(`type ${type} is not for SMS text`);
      if (type === 'text' && !isGsm(fields.get('text') ?? ''))
        return fakeOnly('non-GSM text sent as type=text');
      if ((fields.get('client-ref')?.length ?? 0) > 40) return fakeOnly('client-ref over 40 characters');
      const callback = fields.get('callback');
      if (callback !== null && !URL.canParse(callback)) return vonageError('23', 'Invalid Callback Url');
      return undefined;
    },
    read(request) {
      const fields = new URLSearchParams(request.raw);
      return { to: `+${fields.get('to')}`, body: fields.get('text') ?? '' };
    },
    reply(answer, n) {
      if (answer === 'accept') {
        const id = `0A${n.toString(16).toUpperCase().padStart(14, '0')}`;
        const part = {
          to: '14155552671',
          'message-id': id,
          status: '0',
          'remaining-balance': '3.14',
          'message-price': '0.0333',
          network: '310260',
        };
        return { ...vonageAnswer(part), id };
      }
      if (answer === 'throttle')
        return vonageError('1', 'Throughput Rate Exceeded - please wait [ 1000 ] and retry');
      if (answer === 'server_error') return { status: 503, body: '<html>503 Service Unavailable</html>' };
      return vonageError('12', 'Message Too Long');
    },
  };
}
