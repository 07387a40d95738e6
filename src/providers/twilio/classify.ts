import { type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

/** Twilio's error body on every failed REST call: `{code, message, more_info, status}`. */
interface TwilioError {
  code?: unknown;
  message?: unknown;
}

type Failure = Exclude<SendResult, { outcome: 'accepted' }>;
type Verdict = Pick<Failure, 'outcome' | 'providerFault'>;

/**
 * Twilio error codes that decide more than the HTTP status does, each from its page under
 * https://www.twilio.com/docs/api/errors/<code>.
 */
const VERDICTS: Record<number, Verdict> = {
  // The destination is wrong or refuses: not retried, shown on the message.
  21211: { outcome: 'rejected_number' }, // Invalid 'To' phone number
  21408: { outcome: 'rejected_number' }, // Destination region disabled in Messaging Geo Permissions
  21608: { outcome: 'rejected_number' }, // Trial account: 'To' number not verified
  21610: { outcome: 'rejected_number' }, // Recipient unsubscribed (replied STOP)
  21612: { outcome: 'rejected_number' }, // 'To' unreachable with this sender / no route
  21614: { outcome: 'rejected_number' }, // 'To' is not a valid mobile number (landline or invalid)
  21635: { outcome: 'rejected_number' }, // 'To' number cannot be a landline
  21268: { outcome: 'rejected_number' }, // Premium-rate or information service number
  // The account cannot send at all: the provider leaves rotation for a while.
  20003: { outcome: 'permanent', providerFault: true }, // Permission denied: bad credentials
  20005: { outcome: 'permanent', providerFault: true }, // Account not active (no funds, suspended)
  20403: { outcome: 'permanent', providerFault: true }, // Account suspended or closed
  10001: { outcome: 'permanent', providerFault: true }, // Account is not active
  20404: { outcome: 'permanent', providerFault: true }, // Not found: wrong Account SID or base URL
  63038: { outcome: 'transient', providerFault: true }, // Account's daily message limit reached
  // Throttling and queues: safe to retry later.
  20429: { outcome: 'transient' }, // Too many concurrent requests (HTTP 429)
  21611: { outcome: 'transient' }, // Sender's queue holds more than its 10 hours of messages
};

/** The failure a Twilio refusal means: by its code when known, else by the HTTP status. */
export function classifyTwilioFailure(answer: HttpAnswer): Failure {
  const error = (jsonOf(answer) as TwilioError | undefined) ?? {};
  const code = typeof error.code === 'number' ? error.code : undefined;
  const text = typeof error.message === 'string' ? error.message : answer.body.slice(0, 200);
  const statusCode = String(answer.status);
  const detail = `Twilio${code === undefined ? '' : ` ${code}`}: ${text} (HTTP ${statusCode})`;
  const verdict = (code !== undefined ? VERDICTS[code] : undefined) ?? byStatus(answer.status);
  return {
    outcome: verdict.outcome,
    statusCode,
    ...(code === undefined ? {} : { errorCode: String(code) }),
    detail,
    ...(verdict.providerFault ? { providerFault: true } : {}),
  };
}

function byStatus(status: number): Verdict {
  if (status === 401 || status === 403) return { outcome: 'permanent', providerFault: true };
  if (status === 408 || status === 429 || status >= 500) return { outcome: 'transient' };
  return { outcome: 'permanent' };
}
