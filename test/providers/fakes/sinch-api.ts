import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

export const PLAN = 'jd63jf88477ll123ab4567cd89012ef3';
export const TOKEN = 'sinch-api-token-0123456789';
export const SECRET = 'sinch-callback-secret-0123';
export const RECEIPT_URL = 'https://otpline.example/gateway/receipts/sinch';

export const sinchError = (status: number, code: string, text: string): FakeReply => ({
  status,
  body: JSON.stringify({ code, text }),
});

export interface TextBatch {
  to?: string[];
  from?: string;
  body?: string;
  delivery_report?: string;
  callback_url?: string;
}

/**
 * The Sinch SMS REST API as its reference and SDK fixtures describe it: POST
 * /xms/v1/{service_plan_id}/batches with `Authorization: Bearer <token>`, JSON `{to: [...], from,
 * body, delivery_report, callback_url}`, answered 201 with the batch (`id`); refusals `{code, text}`.
 */
export const sinchApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== `/xms/v1/${PLAN}/batches`)
      return { status: 404, body: '' };
    if (request.headers.authorization !== `Bearer ${TOKEN}`)
      return { status: 401, body: '', contentType: 'text/plain' };
    if (request.headers['content-type'] !== 'application/json')
      return sinchError(400, 'syntax_invalid_json', 'The content type must be application/json');
    let batch: TextBatch;
    try {
      batch = JSON.parse(request.raw) as TextBatch;
    } catch {
      return sinchError(400, 'syntax_invalid_json', 'The JSON in the request is invalid');
    }
    if (!Array.isArray(batch.to) || batch.to.length === 0)
      return sinchError(400, 'syntax_constraint_violation', 'to: must not be empty');
    for (const to of batch.to)
      if (!/^\+?[1-9]\d{6,14}$/.test(to))
        return sinchError(400, 'syntax_invalid_parameter_format', `Invalid MSISDN: ${to}`);
    if (typeof batch.body !== 'string' || batch.body === '')
      return sinchError(400, 'syntax_constraint_violation', 'body: must be set');
    const reports = ['none', 'summary', 'full', 'per_recipient', 'per_recipient_final'];
    if (batch.delivery_report !== undefined && !reports.includes(batch.delivery_report))
      return sinchError(400, 'syntax_invalid_parameter_format', `delivery_report: ${batch.delivery_report}`);
    if (batch.callback_url !== undefined && !/^https?:\/\/\S+$/.test(batch.callback_url))
      return sinchError(400, 'syntax_invalid_parameter_format', 'callback_url: must be a valid URL');
    return undefined;
  },
  read(request) {
    const batch = JSON.parse(request.raw) as TextBatch;
    return { to: String(batch.to?.[0]), body: String(batch.body) };
  },
  reply(answer, n) {
    const id = `01FC66621XXXXX119Z8PMV1Q${String(n).padStart(2, '0')}`;
    if (answer === 'accept')
      return {
        status: 201,
        body: JSON.stringify({
          id,
          to: ['+14155552671'],
          canceled: false,
          body: 'x',
          type: 'mt_text',
          created_at: '2019-08-24T14:15:22Z',
          modified_at: '2019-08-24T14:15:22Z',
          delivery_report: 'none',
          flash_message: false,
        }),
        id,
      };
    if (answer === 'throttle') return { status: 429, body: '', contentType: 'text/plain' };
    if (answer === 'server_error')
      return { status: 503, body: 'Service Unavailable', contentType: 'text/plain' };
    return sinchError(400, 'syntax_constraint_violation', 'from: must be set, no default originator');
  },
};
