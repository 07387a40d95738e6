import type { HttpApiModel, RecordedRequest, ScriptedReply } from '../../helpers/fake-http-api.js';

/**
 * Twilio's Messages API as the driver meets it, written from Twilio's OpenAPI document
 * (twilio/twilio-oai, spec/json/twilio_api_v2010.json: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded CreateMessageRequest, HTTP Basic, 201 with the message) and its error pages
 * (https://www.twilio.com/docs/api/errors/<code>, body `{code, message, more_info, status}`).
 * `test/providers/twilio.test.ts` checks these facts against the document when it is at hand.
 */
export const TWILIO_FIELDS = ['To', 'From', 'MessagingServiceSid', 'Body', 'StatusCallback'] as const;
export const ACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;
export const SERVICE_SID_PATTERN = /^MG[0-9a-fA-F]{32}$/;
/** E.164 for SMS `To` ("format": "phone-number"); senders may also be alphanumeric IDs (up to 11). */
const E164 = /^\+[1-9]\d{1,14}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

export function twilioError(status: number, code: number, message: string): ScriptedReply {
  const body = { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  return { status, body: JSON.stringify(body) };
}

/** A refusal of the fake's own (Twilio's code for it is not known): the test shows what was wrong. */
function fakeOnly(problem: string): ScriptedReply {
  return { status: 400, body: JSON.stringify({ message: `fake Twilio: ${problem}`, status: 400 }) };
}

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  apiKey?: string;
  apiSecret?: string;
}

function credentialsOf(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  return Buffer.from(header.slice(6), 'base64').toString('utf8');
}

export function twilioApi(account: TwilioAccount): HttpApiModel {
  const path = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;
  const accepted = [`${account.accountSid}:${account.authToken}`];
  if (account.apiKey && account.apiSecret) accepted.push(`${account.apiKey}:${account.apiSecret}`);
  return {
    takesIdempotencyKey: false,
    check(request) {
      if (request.method !== 'POST' || request.path !== path)
        return twilioError(404, 20404, 'The requested resource was not found');
      if (!accepted.includes(credentialsOf(request) ?? '')) return twilioError(401, 20003, 'Authenticate');
      // Twilio reads no fields from another content type: the request then lacks 'To'.
      if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return twilioError(400, 21604, "A 'To' phone number is required.");
      const form = new URLSearchParams(request.raw);
      const unknown = [...form.keys()].find((k) => !(TWILIO_FIELDS as readonly string[]).includes(k));
      // Twilio ignores fields it does not know; the fake refuses them so that a misspelled one shows.
      if (unknown) return fakeOnly(`unexpected field ${unknown}`);
      const to = form.get('To');
      if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
      if (!E164.test(to))
        return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const body = form.get('Body');
      if (!body) return twilioError(400, 21602, 'Message body is required.');
      if (body.length > 1600)
        return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      const from = form.get('From');
      const service = form.get('MessagingServiceSid');
      if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
      if (from && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from))
        return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number or shortcode.`);
      if (service && !SERVICE_SID_PATTERN.test(service))
        return fakeOnly(`malformed MessagingServiceSid ${service}`);
      const callback = form.get('StatusCallback');
      if (callback !== null && !URL.canParse(callback))
        return fakeOnly(`StatusCallback ${callback} is not a URL`);
      return undefined;
    },
    read(request) {
      const form = new URLSearchParams(request.raw);
      return { to: form.get('To') ?? '', body: form.get('Body') ?? '' };
    },
    reply(answer, n) {
      if (answer === 'accept') {
        const sid = `SM${n.toString(16).padStart(32, '0')}`;
        const message = { sid, account_sid: account.accountSid, status: 'queued', error_code: null };
        return { status: 201, body: JSON.stringify(message), id: sid };
      }
      if (answer === 'throttle') return twilioError(429, 20429, 'Too Many Requests');
      if (answer === 'server_error') return twilioError(500, 20500, 'Internal Server Error');
      return twilioError(
        400,
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number.",
      );
    },
  };
}
