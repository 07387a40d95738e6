import { answerDetail, type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

/**
 * A message's status in the send answer: `{groupId, groupName, id, name, description}`, from
 * Infobip's "Response status and error codes". PENDING (1) and DELIVERED (3) mean accepted.
 */
export interface InfobipStatus {
  groupName?: unknown;
  name?: unknown;
  description?: unknown;
}

/** No credit or an expired prepaid package: nothing goes out until the operator acts. */
const PROVIDER_FAULT = new Set(['REJECTED_NOT_ENOUGH_CREDITS', 'REJECTED_PREPAID_PACKAGE_EXPIRED']);
/** The destination: missing prefix, DND, blocked, invalid, unregistered, unreachable, no route to it. */
const REJECTED_NUMBER = new Set([
  'REJECTED_NETWORK',
  'REJECTED_PREFIX_MISSING',
  'REJECTED_DND',
  'REJECTED_DESTINATION',
  'REJECTED_DESTINATION_BLOCKLISTED',
  'REJECTED_INVALID_DESTINATION',
  'REJECTED_NOT_REACHABLE',
  'REJECTED_DESTINATION_NOT_REGISTERED',
  'REJECTED_ROUTE_NOT_AVAILABLE',
  'MISSING_TO',
]);
/** Flooding filter and system errors pass. */
const TRANSIENT = new Set(['REJECTED_FLOODING_FILTER', 'REJECTED_SYSTEM_ERROR']);

/** A REJECTED (or other failed) status of an answer that was otherwise a 200. */
export function classifyStatus(status: InfobipStatus, answer: HttpAnswer): SendResult {
  const name = typeof status.name === 'string' ? status.name : String(status.groupName ?? 'UNKNOWN');
  const description = typeof status.description === 'string' ? status.description : '';
  const base = {
    statusCode: String(answer.status),
    errorCode: name,
    detail: `Infobip ${name}: ${description}`.slice(0, 300),
  };
  if (PROVIDER_FAULT.has(name)) return { outcome: 'permanent', providerFault: true, ...base };
  if (REJECTED_NUMBER.has(name)) return { outcome: 'rejected_number', ...base };
  if (TRANSIENT.has(name)) return { outcome: 'transient', ...base };
  return { outcome: 'permanent', ...base };
}

/**
 * A refused request. The v3 API answers `{errorCode, description, action, violations}` (the official
 * clients' tests); older endpoints `{requestError: {serviceException: {messageId, text}}}`.
 */
export function classifyRefusal(answer: HttpAnswer): SendResult {
  const body = jsonOf(answer) as
    | {
        errorCode?: unknown;
        description?: unknown;
        violations?: Array<{ property?: unknown; violation?: unknown }>;
        requestError?: { serviceException?: { messageId?: unknown; text?: unknown } };
      }
    | undefined;
  const old = body?.requestError?.serviceException;
  const code = body?.errorCode ?? old?.messageId;
  const text = [
    body?.description ?? old?.text,
    ...(body?.violations ?? []).map((v) => `${v.property}: ${v.violation}`),
  ]
    .filter((part) => typeof part === 'string' && part !== '')
    .join('; ');
  const result = {
    statusCode: String(answer.status),
    errorCode: typeof code === 'string' ? code : undefined,
    detail: text ? `Infobip ${String(code ?? answer.status)}: ${text}`.slice(0, 300) : answerDetail(answer),
  };
  // A bad key (401) or one without the SMS scope (403) fails every message.
  if (answer.status === 401 || answer.status === 403)
    return { outcome: 'permanent', providerFault: true, ...result };
  const onDestination = (body?.violations ?? []).some((v) => /destinations.*\.to\b/.test(String(v.property)));
  if (answer.status === 400 && onDestination) return { outcome: 'rejected_number', ...result };
  return { outcome: answer.outcome === 'accepted' ? 'transient' : answer.outcome, ...result };
}
