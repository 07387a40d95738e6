import type { HttpAnswer } from '../http-client.js';
import type { SendResult } from '../types.js';

/*
 * The legacy API's error codes, from Clickatell's "HTTP API Overview"
 * (github.com/clickatell/clickatell-overview-http) and its "API Error codes" page.
 */

/** Authentication (001, 002), session (003, 005), account frozen (004), IP lockdown (007), api_id (108), MT cap (130), no credit (301). */
const PROVIDER_FAULT = new Set(['001', '002', '003', '004', '005', '007', '108', '130', '301']);
/** Invalid destination (105), cannot route (114), blocked (121), opted out (122), delisted (128). */
const REJECTED_NUMBER = new Set(['105', '114', '121', '122', '128']);
/** "Internal error: please retry". */
const TRANSIENT = new Set(['901']);

/** `ERR: <code>, <text>` (the code has three digits; a few gateways write four, `0001`). */
export function classifyErr(code: string, text: string, answer: HttpAnswer): SendResult {
  const normal = code.length > 3 ? code.slice(-3) : code.padStart(3, '0');
  const result = {
    statusCode: String(answer.status),
    errorCode: code,
    detail: `Clickatell ERR ${code}: ${text}`.slice(0, 300),
  };
  if (PROVIDER_FAULT.has(normal)) return { outcome: 'permanent', providerFault: true, ...result };
  if (REJECTED_NUMBER.has(normal)) return { outcome: 'rejected_number', ...result };
  if (TRANSIENT.has(normal)) return { outcome: 'transient', ...result };
  return { outcome: 'permanent', ...result };
}
