import type { HttpApiModel, RecordedRequest, ScriptedReply } from '../../helpers/fake-http-api.js';
import { isGsm } from './gsm.js';

/**
 * MessageBird's legacy SMS API as the driver meets it, from its API reference (no OpenAPI document
 * is published): `POST /messages` with `Authorization: AccessKey <key>` and a JSON body
 * `{originator, recipients, body, reference?, datacoding?, reportUrl?}`; 201 with the message (its
 * `id`); errors `{errors: [{code, description, parameter}]}`, e.g. 401 with code 2 for a wrong key.
 */
const FIELDS = ['originator', 'recipients', 'body', 'reference', 'datacoding', 'reportUrl'];
/** A telephone number (with its country code) or an alphanumeric name of up to 11 characters. */
const ORIGINATOR = /^(\+?\d{1,17}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/;
const MSISDN = /^[1-9]\d{6,14}$/;

export function messageBirdError(
  status: number,
  code: number,
  description: string,
  parameter?: string,
): ScriptedReply {
  return { status, body: JSON.stringify({ errors: [{ code, description, parameter: parameter ?? null }] }) };
}

const fakeOnly = (problem: string) => messageBirdError(422, 10, `fake MessageBird: ${problem}`);

function checkBody(sent: Record<string, unknown>): ScriptedReply | undefined {
  const unknown = Object.keys(sent).find((k) => !FIELDS.includes(k));
  if (unknown) return fakeOnly(`unexpected field ${unknown}`);
  for (const field of ['originator', 'recipients', 'body'])
    if (sent[field] === undefined || sent[field] === '')
      return messageBirdError(422, 9, `${field} is required`, field);
  if (typeof sent.originator !== 'string' || !ORIGINATOR.test(sent.originator))
    return messageBirdError(422, 10, 'originator is invalid', 'originator');
  const recipients = sent.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0)
    return messageBirdError(422, 9, 'no recipients', 'recipients');
  if (!recipients.every((r) => MSISDN.test(String(r))))
    return messageBirdError(422, 10, 'no (correct) recipients found', 'recipients');
  if (typeof sent.body !== 'string') return messageBirdError(422, 10, 'body is invalid', 'body');
  const coding = sent.datacoding ?? 'plain';
  if (!['plain', 'unicode', 'auto'].includes(String(coding))) return fakeOnly(`datacoding ${coding}`);
  if (coding === 'plain' && !isGsm(sent.body)) return fakeOnly('non-GSM body sent as plain');
  if (sent.reference !== undefined && String(sent.reference).length > 128)
    return fakeOnly('reference over 128');
  if (sent.reportUrl !== undefined && !URL.canParse(String(sent.reportUrl)))
    return fakeOnly('reportUrl not a URL');
  return undefined;
}

export function messageBirdApi(accessKey: string): HttpApiModel {
  return {
    takesIdempotencyKey: false,
    check(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== '/messages')
        return messageBirdError(404, 98, 'API not found');
      if (request.headers.authorization !== `AccessKey ${accessKey}`)
        return messageBirdError(401, 2, 'Request not allowed (incorrect access_key)', 'access_key');
      if (request.headers['content-type'] !== 'application/json') return fakeOnly('not JSON');
      let sent: unknown;
      try {
        sent = JSON.parse(request.raw);
      } catch {
        return messageBirdError(400, 21, 'Bad request');
      }
      if (typeof sent !== 'object' || sent === null || Array.isArray(sent))
        return messageBirdError(400, 21, 'Bad request');
      return checkBody(sent as Record<string, unknown>);
    },
    read(request) {
      const sent = JSON.parse(request.raw) as { recipients: string[]; body: string };
      return { to: `+${sent.recipients[0]}`, body: sent.body };
    },
    reply(answer, n) {
      if (answer === 'accept') {
        const id = n.toString(16).padStart(32, 'e');
        const message = {
          id,
          href: `https://rest.messagebird.com/messages/${id}`,
          direction: 'mt',
          type: 'sms',
          recipients: { totalCount: 1, totalSentCount: 1, items: [{ status: 'sent' }] },
        };
        return { status: 201, body: JSON.stringify(message), id };
      }
      if (answer === 'throttle')
        return { status: 429, body: JSON.stringify({ errors: [{ description: 'Too many requests' }] }) };
      if (answer === 'server_error') return messageBirdError(500, 99, 'Internal error');
      return messageBirdError(422, 10, 'This originator is not allowed in this country', 'originator');
    },
  };
}
