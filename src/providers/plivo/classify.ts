import { type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

type Failure = Exclude<SendResult, { outcome: 'accepted' }>;

/** Plivo's Message API answers a refusal `{api_id, error}`, with no code of its own: the text decides. */
function errorText(answer: HttpAnswer): string {
  const error = (jsonOf(answer) as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') return JSON.stringify(error).slice(0, 200);
  return answer.body.slice(0, 200);
}

/** Texts that blame the destination, e.g. "222222 is not a valid phone number" (Plivo's SDK samples). */
const BAD_DESTINATION = /not a valid phone number|invalid (dst|destination)|dst .*invalid/i;
/** The account cannot pay: no send goes through until it is topped up. */
const NO_CREDIT = /insufficient (credit|balance)/i;

/**
 * The failure a Plivo refusal means. HTTP 401 (bad Auth ID or token), 402 and 403 (account
 * disabled), 404 (an Auth ID Plivo does not know) and running out of credit stop every send:
 * provider faults. 429 and 5xx are retried; a 400 about `dst` rejects the number.
 */
export function classifyPlivoFailure(answer: HttpAnswer): Failure {
  const text = errorText(answer);
  const statusCode = String(answer.status);
  const detail = `Plivo: ${text} (HTTP ${statusCode})`;
  const status = answer.status;
  if (status === 429 || status === 408 || status >= 500) return { outcome: 'transient', statusCode, detail };
  if ([401, 402, 403, 404].includes(status) || NO_CREDIT.test(text))
    return { outcome: 'permanent', statusCode, detail, providerFault: true };
  if (BAD_DESTINATION.test(text)) return { outcome: 'rejected_number', statusCode, detail };
  return { outcome: 'permanent', statusCode, detail };
}
