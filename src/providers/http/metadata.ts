import type { DriverMetadata } from '../driver.js';

/** The Kannel sendsms call: answers "0: Accepted for delivery" or "3: Queued for later delivery" (202). */
const KANNEL_EXAMPLE = [
  'OTPLINE_PROVIDER=http OTPLINE_HTTP_METHOD=GET',
  "OTPLINE_HTTP_URL='http://kannel.internal:13013/cgi-bin/sendsms?username={{username}}&password={{password}}&to={{to}}&text={{body}}&from={{from}}'",
  'OTPLINE_HTTP_USERNAME=otpline OTPLINE_HTTP_PASSWORD=...',
  "OTPLINE_HTTP_SUCCESS_RULE='^(0: Accepted|3: Queued)'",
  "OTPLINE_HTTP_REJECTED_RULE='Not routable|denied by white- and/or black-lists'",
].join(' ');

export const metadata: DriverMetadata = {
  displayName: 'HTTP (generic, Kannel)',
  summary: 'sends them by an HTTP request you describe',
  description:
    'Sends each message by an HTTP request described in settings: a URL, headers and a JSON or form body ' +
    'whose {{to}}, {{to_digits}}, {{from}}, {{body}}, {{id}}, {{idempotency_key}}, {{country}}, ' +
    '{{username}}, {{password}} and {{api_key}} are filled in and escaped. A 2xx (matching successRule, ' +
    'if set) is accepted; rejectedRule, faultRule and transientRule read the answer; 401/403 is a provider ' +
    'fault; 408, 425, 429, 5xx are retried. Suits a Kannel sendsms box and many regional APIs.',
  example: KANNEL_EXAMPLE,
};
