import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

export const API_KEY = 'KEY0123456789ABCDEF_telnyx';
export const PROFILE = 'abc85f64-5717-4562-b3fc-2c9600000000';
export const RECEIPT_URL = 'https://otpline.example/gateway/receipts/telnyx';

/** A key pair standing in for Telnyx's: the public half as the portal shows it (32 raw bytes, base64). */
export function keyPair(): { publicKey: string; privateKey: KeyObject } {
  const pair = generateKeyPairSync('ed25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x ?? '';
  return { publicKey: Buffer.from(x, 'base64url').toString('base64'), privateKey: pair.privateKey };
}
export const telnyx = keyPair();

export const telnyxError = (
  status: number,
  code: string,
  title: string,
  detail = '',
  pointer?: string,
): FakeReply => ({
  status,
  body: JSON.stringify({
    errors: [
      {
        code,
        title,
        detail,
        meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
        ...(pointer ? { source: { pointer } } : {}),
      },
    ],
  }),
});

export interface CreateMessage {
  to?: string;
  text?: string;
  from?: string;
  messaging_profile_id?: string;
  webhook_url?: string;
}

/**
 * The Telnyx Messaging API per team-telnyx/openapi spec3.yml: POST /v2/messages, `Authorization:
 * Bearer <key>`, `CreateMessageRequest` (`to` required as +E.164, `text`, `from` or
 * `messaging_profile_id`, `webhook_url` a URL), answered 200 `{data: OutboundMessagePayload}`;
 * errors `{errors: [{code, title, detail, source, meta}]}`.
 */
export const telnyxApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/v2/messages')
      return telnyxError(404, '10005', 'Resource not found');
    if (request.headers.authorization !== `Bearer ${API_KEY}`)
      return telnyxError(
        401,
        '10009',
        'Authentication failed',
        'The required authentication headers were either invalid or not included in the request.',
      );
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return telnyxError(415, '10014', 'Unsupported Media Type');
    let body: CreateMessage;
    try {
      body = JSON.parse(request.raw) as CreateMessage;
    } catch {
      return telnyxError(400, '10023', 'Invalid JSON');
    }
    if (!body.to) return telnyxError(400, '10004', 'Missing required parameter', 'to', '/to');
    if (!/^\+[1-9]\d{6,14}$/.test(body.to))
      return telnyxError(400, '10016', 'Phone number must be in +E.164 format', '', '/to');
    if (!body.text) return telnyxError(400, '10004', 'Missing required parameter', 'text', '/text');
    if (!body.from && !body.messaging_profile_id)
      return telnyxError(400, '10004', 'Missing required parameter', 'from', '/from');
    if (body.webhook_url !== undefined && !/^https?:\/\/\S+$/.test(body.webhook_url))
      return telnyxError(400, '10003', 'Invalid URL', '', '/webhook_url');
    return undefined;
  },
  read(request) {
    const body = JSON.parse(request.raw) as CreateMessage;
    return { to: String(body.to), body: String(body.text) };
  },
  reply(answer, n) {
    const id = `40385f64-5717-4562-b3fc-2c96300000${String(n).padStart(2, '0')}`;
    if (answer === 'accept')
      return {
        status: 200,
        body: JSON.stringify({
          data: {
            record_type: 'message',
            direction: 'outbound',
            id,
            type: 'SMS',
            from: { phone_number: '+12025550123' },
            to: [
              {
                phone_number: '+14155552671',
                status: 'queued',
                carrier: 'T-MOBILE USA, INC.',
                line_type: 'Wireless',
              },
            ],
            text: 'x',
            parts: 1,
            encoding: 'GSM-7',
            errors: [],
          },
        }),
        id,
      };
    if (answer === 'throttle') return telnyxError(429, '10011', 'Too many requests');
    if (answer === 'server_error') return telnyxError(500, '10007', 'Unexpected error');
    return telnyxError(422, '10015', 'Bad Request', 'The request failed because it was not well-formed.');
  },
};
