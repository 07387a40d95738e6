import type { HttpApiModel, RecordedRequest, ScriptedReply } from '../../helpers/fake-http-api.js';

/**
 * Plivo's Message API as the driver meets it, from its API reference and SDK samples (Plivo
 * publishes no OpenAPI document): `POST /v1/Account/{auth_id}/Message/` with HTTP Basic
 * (Auth ID : Auth Token) and JSON `{src, dst, text, type?, url?, method?}`; 202 with
 * `{api_id, message: "message(s) queued", message_uuid: [...]}`; refusals `{api_id, error}`, e.g.
 * `"222222 is not a valid phone number"` for a bad `dst`.
 */
const FIELDS = ['src', 'dst', 'text', 'type', 'url', 'method'];
const NUMBER = /^\+?[1-9]\d{6,14}$/;

let apiIds = 0;
export function plivoError(status: number, error: string): ScriptedReply {
  apiIds += 1;
  return {
    status,
    body: JSON.stringify({ api_id: `00000000-0000-4000-8000-${String(apiIds).padStart(12, '0')}`, error }),
  };
}

const fakeOnly = (problem: string) => plivoError(400, `fake Plivo: ${problem}`);

function checkBody(sent: Record<string, unknown>): ScriptedReply | undefined {
  const unknown = Object.keys(sent).find((k) => !FIELDS.includes(k));
  if (unknown) return fakeOnly(`unexpected field ${unknown}`);
  for (const field of ['src', 'dst', 'text'])
    if (typeof sent[field] !== 'string' || sent[field] === '')
      return plivoError(400, `${field} parameter not present`);
  if (!NUMBER.test(String(sent.dst))) return plivoError(400, `${sent.dst} is not a valid phone number`);
  if (sent.type !== undefined && sent.type !== 'sms') return fakeOnly(`type ${sent.type}`);
  if (sent.url !== undefined && !URL.canParse(String(sent.url)))
    return plivoError(400, 'url is not a valid URL');
  if (sent.method !== undefined && !['GET', 'POST'].includes(String(sent.method)))
    return fakeOnly(`method ${sent.method}`);
  return undefined;
}

export function plivoApi(authId: string, authToken: string): HttpApiModel {
  const basic = `Basic ${Buffer.from(`${authId}:${authToken}`).toString('base64')}`;
  return {
    takesIdempotencyKey: false,
    check(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== `/v1/Account/${authId}/Message/`)
        return plivoError(404, 'not found');
      if (request.headers.authorization !== basic)
        return plivoError(401, 'authentication credentials invalid');
      if (request.headers['content-type'] !== 'application/json') return fakeOnly('not JSON');
      try {
        const sent: unknown = JSON.parse(request.raw);
        if (typeof sent !== 'object' || sent === null || Array.isArray(sent))
          return fakeOnly('not a JSON object');
        return checkBody(sent as Record<string, unknown>);
      } catch {
        return fakeOnly('body is not JSON');
      }
    },
    read(request) {
      const sent = JSON.parse(request.raw) as { dst: string; text: string };
      return { to: sent.dst, body: sent.text };
    },
    reply(answer, n) {
      if (answer === 'accept') {
        const id = `6da4afba-2bcf-4a87-9eff-${n.toString(16).padStart(12, '0')}`;
        const body = {
          api_id: 'db342550-7f1d-11e1-8ea7-1231380bc196',
          message: 'message(s) queued',
          message_uuid: [id],
        };
        return { status: 202, body: JSON.stringify(body), id };
      }
      if (answer === 'throttle') return plivoError(429, 'too many requests');
      if (answer === 'server_error') return plivoError(500, 'internal server error');
      return plivoError(400, 'src is not allowed for this account');
    },
  };
}
