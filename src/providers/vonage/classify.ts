import { type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

type Failure = Exclude<SendResult, { outcome: 'accepted' }>;
type Verdict = Pick<Failure, 'outcome' | 'providerFault'>;

/**
 * The per-message `status` codes of `POST /sms/json`, which always answers HTTP 200: the `x-errors`
 * of Vonage's OpenAPI document (Nexmo/api-specification, definitions/sms.yml) and
 * https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms. "0" is success.
 */
const VERDICTS: Record<string, Verdict> = {
  '1': { outcome: 'transient' }, // Throttled: faster than the account limit
  '2': { outcome: 'permanent' }, // Missing parameters
  '3': { outcome: 'permanent' }, // Invalid parameters
  '4': { outcome: 'permanent', providerFault: true }, // Invalid credentials
  '5': { outcome: 'transient' }, // Internal error
  '6': { outcome: 'rejected_number' }, // Invalid message: e.g. an unrecognised number prefix
  '7': { outcome: 'rejected_number' }, // Number barred: the destination is blacklisted
  '8': { outcome: 'permanent', providerFault: true }, // Partner account barred (suspended)
  '9': { outcome: 'permanent', providerFault: true }, // Partner quota violation: not enough credit
  '10': { outcome: 'transient' }, // Too many existing binds: back off and retry
  '11': { outcome: 'permanent', providerFault: true }, // Account not enabled for HTTP (SMPP only)
  '12': { outcome: 'permanent' }, // Message too long
  '14': { outcome: 'permanent', providerFault: true }, // Invalid signature: the signature secret is wrong
  // Invalid sender address: the sender is not allowed for this destination (mostly North America), a
  // fault of the configuration for some countries, not of the number nor of the whole provider.
  '15': { outcome: 'permanent' },
  '22': { outcome: 'permanent' }, // Invalid network code
  '23': { outcome: 'permanent', providerFault: true }, // Invalid callback URL: every send would carry it
  '29': { outcome: 'rejected_number' }, // Non-whitelisted destination (demo account)
  '32': { outcome: 'permanent', providerFault: true }, // Signature and API secret both sent
  '33': { outcome: 'rejected_number' }, // Number de-activated
};

/** One entry of `messages`: each part of a long message has its own. */
export interface VonagePart {
  status?: unknown;
  'message-id'?: unknown;
  'error-text'?: unknown;
}

/** The parts of a 200 answer, or undefined when the body is not Vonage's JSON. */
export function partsOf(answer: HttpAnswer): VonagePart[] | undefined {
  const messages = (jsonOf(answer) as { messages?: unknown } | undefined)?.messages;
  return Array.isArray(messages) && messages.length > 0 ? (messages as VonagePart[]) : undefined;
}

/** The failure a part's non-zero status means; unknown codes fail the message alone. */
export function classifyVonageStatus(part: VonagePart, httpStatus: number): Failure {
  const code = String(part.status);
  const text = typeof part['error-text'] === 'string' ? part['error-text'] : 'no error text';
  const verdict = VERDICTS[code] ?? { outcome: 'permanent' };
  return {
    outcome: verdict.outcome,
    statusCode: String(httpStatus),
    errorCode: code,
    detail: `Vonage status ${code}: ${text}`,
    ...(verdict.providerFault ? { providerFault: true } : {}),
  };
}
