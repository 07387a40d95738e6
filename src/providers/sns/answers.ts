import type { HttpAnswer } from '../http-client.js';
import type { SendResult } from '../types.js';

/*
 * What SNS answers (query protocol, XML): `<PublishResponse><PublishResult><MessageId>` on success,
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` on failure.
 * Codes and statuses from the SNS service model (botocore data/sns/2010-03-31/service-2.json):
 * InvalidParameter 400, ParameterValueInvalid 400, AuthorizationError 403, InvalidSecurity 403,
 * InternalError 500, Throttled 429; and AWS's common errors for every query API (Throttling 400,
 * InvalidClientTokenId 403, SignatureDoesNotMatch 403, ...).
 */

/** Throttling codes, as the AWS SDKs' standard retry mode lists them (botocore retries/standard.py). */
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottling',
]);
const SERVER_FAULTS = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable']);

/** Faults of the account or credentials, not of the message: every send would fail alike. */
const PROVIDER_FAULTS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AuthorizationError',
  'AccessDenied',
  'InvalidSecurity',
  'ExpiredToken',
  'RequestExpired',
  'OptInRequired',
]);

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[name.toLowerCase()]) return named[name.toLowerCase()] as string;
    const hex = name[1] === 'x' || name[1] === 'X';
    const code = Number.parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : entity;
  });
}

/** The text of the first `<name>` element; SNS's answers are flat enough for this. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match ? unescapeXml((match[1] as string).trim()) : undefined;
}

/** Classifies a non-2xx answer by its error code first, its HTTP status second. */
export function classifySnsError(answer: HttpAnswer): SendResult {
  const statusCode = String(answer.status);
  const code = xmlText(answer.body, 'Code');
  const text = xmlText(answer.body, 'Message') ?? answer.body.slice(0, 200);
  const detail = `HTTP ${answer.status} ${code ?? 'no error code'}: ${text.slice(0, 200)}`;
  const result = { statusCode, detail, ...(code ? { errorCode: code } : {}) };
  if (code && (THROTTLED.has(code) || SERVER_FAULTS.has(code))) return { outcome: 'transient', ...result };
  if (code && PROVIDER_FAULTS.has(code)) return { outcome: 'permanent', providerFault: true, ...result };
  // "Invalid parameter: PhoneNumber Reason: +1555... is not valid to publish to" (as SNS words it).
  if ((code === 'InvalidParameter' || code === 'ParameterValueInvalid') && /\bPhoneNumber\b/.test(text))
    return { outcome: 'rejected_number', ...result };
  if (answer.outcome === 'transient') return { outcome: 'transient', ...result };
  return { outcome: 'permanent', ...result };
}
