import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

export const API_KEY = 'clickatell-integration-key-0123';
export const RECEIPT_TOKEN = 'clickatell-receipt-token-0123456789';

export const error = (status: number, code: number, description: string): FakeReply => ({
  status,
  body: JSON.stringify({ error: { code, description } }),
});
export const messageError = (status: number, to: string, code: number, description: string): FakeReply => ({
  status,
  body: JSON.stringify({ messages: [{ accepted: false, to, error: { code, description } }], error: null }),
});

export interface OneApiMessage {
  channel?: string;
  to: string;
  content: string;
  from?: string;
}

/**
 * The Clickatell Platform One API as "Send messages" describes it: POST /v1/message, the
 * integration's API key as the whole Authorization header, JSON `{messages: [{channel, to,
 * content, from?}]}` (at most 200), answered 202 with `{messages: [{apiMessageId, accepted, to,
 * error}], error}`; errors from "One API: Error messages".
 */
export const oneApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/v1/message')
      return error(404, 41, 'Resource does not exist');
    if (request.headers.authorization !== API_KEY)
      return error(401, 1, 'Invalid or missing Integration API Key');
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return error(400, 21, 'Payload data is malformed');
    let messages: OneApiMessage[];
    try {
      messages = (JSON.parse(request.raw) as { messages: OneApiMessage[] }).messages;
    } catch {
      return error(400, 21, 'Payload data is malformed');
    }
    if (!Array.isArray(messages) || messages.length < 1) return error(400, 21, 'Payload data is malformed');
    if (messages.length > 200) return error(400, 22, 'Maximum messages per request payload exceeded');
    for (const m of messages) {
      if (m.channel !== undefined && m.channel !== 'sms')
        return error(400, 38, 'Channel is not active on integration');
      // International format, digits only: no "+" or "00" ("API Error codes", 105).
      if (!/^[1-9]\d{6,14}$/.test(m.to ?? ''))
        return messageError(400, String(m.to), 25, `Invalid recipient address: ${m.to}`);
      if (typeof m.content !== 'string' || m.content === '')
        return messageError(400, m.to, 23, 'Invalid or missing parameter: content');
    }
    return undefined;
  },
  read(request) {
    const [m] = (JSON.parse(request.raw) as { messages: OneApiMessage[] }).messages;
    return { to: `+${m?.to}`, body: String(m?.content) };
  },
  reply(answer, n) {
    const id = `${n.toString(16).padStart(8, '0')}c0ffee0123456789abcdef0123456`;
    if (answer === 'accept')
      return {
        status: 202,
        body: JSON.stringify({
          messages: [{ apiMessageId: id, accepted: true, to: 'x', error: null }],
          error: null,
        }),
        id,
      };
    if (answer === 'throttle') return { status: 429, body: 'Too Many Requests', contentType: 'text/plain' };
    if (answer === 'server_error') return error(503, 19, 'Internal error, please retry');
    return messageError(400, '14155552671', 24, 'Maximum message content size exceeded');
  },
};
