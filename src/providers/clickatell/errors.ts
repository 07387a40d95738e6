import { answerDetail, type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

/**
 * The One API's errors, from "One API: Error messages"
 * (https://www.clickatell.com/developers/api-documentation/one-api-error-messages/): an `error`
 * `{code, description}` on the whole request or on each message.
 */
export interface OneApiError {
  code?: unknown;
  description?: unknown;
}

/** Bad or inactive key, account or integration, unapproved IP, no balance, channel or sender not set up. */
const PROVIDER_FAULT = new Set([1, 2, 3, 7, 20, 38, 39, 44, 45]);
/** Invalid recipient (25), opted out (26), not on the channel (27) or the sandbox (28), no two-way there (101). */
const REJECTED_NUMBER = new Set([25, 26, 27, 28, 101]);
/** Internal errors (18, 19: "please retry") and the rate limit (43). */
const TRANSIENT = new Set([18, 19, 43]);

/** Classifies one of the API's error objects; the HTTP status decides what the code does not. */
export function classifyError(error: OneApiError, answer: HttpAnswer): SendResult {
  const code = Number(error.code);
  const text = typeof error.description === 'string' ? error.description : '';
  const base = {
    statusCode: String(answer.status),
    errorCode: Number.isFinite(code) ? String(code) : undefined,
    detail: `Clickatell error ${Number.isFinite(code) ? code : '?'}: ${text || answerDetail(answer)}`.slice(
      0,
      300,
    ),
  };
  if (PROVIDER_FAULT.has(code) || answer.status === 401 || answer.status === 402)
    return { outcome: 'permanent', providerFault: true, ...base };
  // 23 names the parameter: "Invalid or missing parameter: to".
  if (REJECTED_NUMBER.has(code) || (code === 23 && /\bto\b/.test(text)))
    return { outcome: 'rejected_number', ...base };
  if (TRANSIENT.has(code)) return { outcome: 'transient', ...base };
  return { outcome: answer.outcome === 'accepted' ? 'permanent' : answer.outcome, ...base };
}

/** An answer without a usable error object: judged by its HTTP status. */
export function classifyStatus(answer: HttpAnswer): SendResult {
  const statusCode = String(answer.status);
  const detail = answerDetail(answer);
  if (answer.status === 401 || answer.status === 402)
    return { outcome: 'permanent', providerFault: true, statusCode, detail };
  return { outcome: answer.outcome === 'accepted' ? 'transient' : answer.outcome, statusCode, detail };
}

/** The request-level error, or the first message's, of an answer. */
export function errorOf(answer: HttpAnswer): OneApiError | undefined {
  const body = jsonOf(answer) as
    | { error?: OneApiError | null; messages?: Array<{ error?: OneApiError | null }> }
    | undefined;
  return body?.error ?? body?.messages?.[0]?.error ?? undefined;
}
