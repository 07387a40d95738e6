import { hasToken, timeOf } from '../receipt-checks.js';
import { accepted, type ReceiptOutcome, refused } from '../receipt-kit.js';
import type { ReceiptRequest, ReceiptRoute } from '../types.js';

/**
 * Message statuses of the legacy API ("HTTP API Overview", `status`): 004 is a handset's receipt;
 * the error statuses are final. 001-003, 008 and 011 are intermediate and change nothing.
 */
const FINAL: Record<string, { status: 'delivered' | 'undelivered'; text: string }> = {
  '004': { status: 'delivered', text: 'Received by recipient' },
  '005': { status: 'undelivered', text: 'Error with message' },
  '006': { status: 'undelivered', text: 'User cancelled message delivery' },
  '007': { status: 'undelivered', text: 'Error delivering message' },
  '009': { status: 'undelivered', text: 'Routing error' },
  '010': { status: 'undelivered', text: 'Message expired' },
  '012': { status: 'undelivered', text: 'Out of credit' },
  '014': { status: 'undelivered', text: 'Maximum MT limit exceeded' },
};

/** The callback's fields (`apiMsgId`, `status`, `timestamp` in unix seconds, ...) from a form body or the query. */
function fieldsOf(request: ReceiptRequest): Record<string, unknown> {
  const body = request.body;
  return typeof body === 'object' && body !== null ? { ...request.query, ...body } : request.query;
}

/**
 * The legacy callback ("callback" parameter): Clickatell calls the URL set on the API connection
 * with `api_id, apiMsgId, cliMsgId, to, timestamp, from, status, charge`. It signs nothing, so
 * the URL carries a secret (`?token=`); the api_id must be ours too.
 */
export function clickatellLegacyReceipts(receiptToken: string, apiId: string): ReceiptRoute {
  return {
    method: 'POST',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      if (!hasToken(request, receiptToken)) return refused('missing or wrong token', 403);
      const fields = fieldsOf(request);
      if (fields.api_id !== undefined && String(fields.api_id) !== apiId)
        return refused('not our api_id', 403);
      const id = fields.apiMsgId;
      if (typeof id !== 'string' || id === '') return refused('expected apiMsgId and status', 400);
      const code = String(fields.status ?? '').padStart(3, '0');
      const final = FINAL[code];
      if (!final) return accepted([]);
      return accepted([
        {
          providerMessageId: id,
          status: final.status,
          detail: `${code} ${final.text}`,
          at: timeOf(fields.timestamp),
        },
      ]);
    },
  };
}
