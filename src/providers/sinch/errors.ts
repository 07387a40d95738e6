import { answerDetail, type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

/*
 * Refusals come as `{code, text}` with a 400 or 403 ("HTTP Status Codes for the SMS REST API";
 * the Sinch SDKs' error-response fixture); a 401 is a bad token.
 */

/** The account is blocked (often out of credit): every message fails. A 401 is judged by its status. */
const PROVIDER_FAULT = new Set(['blocked_account']);
/** The destination's type is not allowed in its region. */
const REJECTED_NUMBER = new Set(['illegal_number_type']);

export function classifyRefusal(answer: HttpAnswer): SendResult {
  const body = jsonOf(answer) as { code?: unknown; text?: unknown } | undefined;
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const text = typeof body?.text === 'string' ? body.text : '';
  const result = {
    statusCode: String(answer.status),
    errorCode: code,
    detail: code ? `Sinch ${code}: ${text}`.slice(0, 300) : answerDetail(answer),
  };
  if (answer.status === 401 || (code && PROVIDER_FAULT.has(code)))
    return { outcome: 'permanent', providerFault: true, ...result };
  // A malformed field is, here, nearly always the recipient (otpline sends `from` as configured).
  const badRecipient = code === 'syntax_invalid_parameter_format' && !/\b(from|callback_url)\b/i.test(text);
  if ((code && REJECTED_NUMBER.has(code)) || badRecipient) return { outcome: 'rejected_number', ...result };
  // Other 403 codes name what the account lacks for this request: permanent, but not the provider's fault.
  return { outcome: answer.outcome === 'accepted' ? 'transient' : answer.outcome, ...result };
}
