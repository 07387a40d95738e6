import { type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

type Failure = Exclude<SendResult, { outcome: 'accepted' }>;
type Verdict = Pick<Failure, 'outcome' | 'providerFault'>;

/** MessageBird's error body: `{errors: [{code, description, parameter}]}`. */
interface MessageBirdError {
  code?: unknown;
  description?: unknown;
  parameter?: unknown;
}

/**
 * The error codes of MessageBird's REST API ("Errors" in its API reference). Code 2 is confirmed by
 * MessageBird's own SDKs (`Request not allowed (incorrect access_key)`); the others are as the
 * reference lists them and could not be re-read from a source here.
 */
const VERDICTS: Record<number, Verdict> = {
  2: { outcome: 'permanent', providerFault: true }, // Request not allowed (incorrect access_key)
  9: { outcome: 'permanent' }, // Missing params
  10: { outcome: 'permanent' }, // Invalid params (a recipient: see below)
  20: { outcome: 'permanent' }, // Not found
  21: { outcome: 'permanent' }, // Bad request
  25: { outcome: 'permanent', providerFault: true }, // Not enough balance
  98: { outcome: 'permanent', providerFault: true }, // API not found: the base URL is wrong
  99: { outcome: 'transient' }, // Internal error
};

function firstError(answer: HttpAnswer): MessageBirdError | undefined {
  const errors = (jsonOf(answer) as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && typeof errors[0] === 'object' ? (errors[0] as MessageBirdError) : undefined;
}

/** The failure MessageBird's refusal means: by its first error's code and parameter, else by status. */
export function classifyMessageBirdFailure(answer: HttpAnswer): Failure {
  const error = firstError(answer);
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const parameter = typeof error?.parameter === 'string' ? error.parameter : undefined;
  const text = typeof error?.description === 'string' ? error.description : answer.body.slice(0, 200);
  // Throttling and server errors are retried whatever code they carry.
  const retry = answer.status === 429 || answer.status >= 500;
  let verdict = (retry || code === undefined ? undefined : VERDICTS[code]) ?? byStatus(answer.status);
  // An invalid recipient is the number's fault: not retried, shown on the message.
  if (code === 10 && parameter !== undefined && /^recipients?$/.test(parameter))
    verdict = { outcome: 'rejected_number' };
  const about = parameter ? ` (${parameter})` : '';
  return {
    outcome: verdict.outcome,
    statusCode: String(answer.status),
    ...(code === undefined ? {} : { errorCode: String(code) }),
    detail: `MessageBird${code === undefined ? '' : ` ${code}`}: ${text}${about} (HTTP ${answer.status})`,
    ...(verdict.providerFault ? { providerFault: true } : {}),
  };
}

function byStatus(status: number): Verdict {
  if (status === 401 || status === 403) return { outcome: 'permanent', providerFault: true };
  if (status === 408 || status === 429 || status >= 500) return { outcome: 'transient' };
  return { outcome: 'permanent' };
}
