import { answerDetail, type HttpAnswer, jsonOf } from '../http-client.js';
import type { SendResult } from '../types.js';

/*
 * Refusals are `{errors: [{code, title, detail, source, meta}]}` (team-telnyx/openapi spec3.yml);
 * the codes from Telnyx's "API Error Codes" and "Messaging Error Code Reference". Codes marked
 * (to confirm) were read in secondary sources only.
 */

/** Authentication (10009) or authorization (10010) failed; the sending number rejected (40013) or blocked as spam (40003); the profile or account disabled (40312, 40314, to confirm). */
const PROVIDER_FAULT = new Set(['10009', '10010', '40003', '40013', '40312', '40314']);
/** An invalid or inactive number (10001, 10002), not E.164 (10016), not routable (40001), invalid (40012), opted out with STOP (40300), invalid "to" (40310, to confirm). */
const REJECTED_NUMBER = new Set(['10001', '10002', '10016', '40001', '40012', '40300', '40310']);
/** Unexpected error (10007), timeout (10008), too many requests (10011), the upstream rate limit (40011), the recipient's server down (40006). */
const TRANSIENT = new Set(['10007', '10008', '10011', '40006', '40011']);

export function classifyRefusal(answer: HttpAnswer): SendResult {
  const first = (
    jsonOf(answer) as { errors?: Array<{ code?: unknown; title?: unknown; detail?: unknown }> } | undefined
  )?.errors?.[0];
  const code = first?.code === undefined ? undefined : String(first.code);
  const text = [first?.title, first?.detail]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(': ');
  const result = {
    statusCode: String(answer.status),
    errorCode: code,
    detail: code ? `Telnyx ${code}: ${text}`.slice(0, 300) : answerDetail(answer),
  };
  if ((code && PROVIDER_FAULT.has(code)) || answer.status === 401 || answer.status === 403)
    return { outcome: 'permanent', providerFault: true, ...result };
  if (code && REJECTED_NUMBER.has(code)) return { outcome: 'rejected_number', ...result };
  if (code && TRANSIENT.has(code)) return { outcome: 'transient', ...result };
  return { outcome: answer.outcome === 'accepted' ? 'transient' : answer.outcome, ...result };
}
