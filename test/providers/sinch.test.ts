import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { sinchDriver } from '../../src/providers/sinch/index.js';
import { sinchReceipts } from '../../src/providers/sinch/receipts.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import {
  type CannedReply,
  FakeHttpApi,
  type HttpApiModel,
  type RecordedRequest,
} from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const PLAN = 'jd63jf88477ll123ab4567cd89012ef3';
const TOKEN = 'sinch-api-token-0123456789';
const SECRET = 'sinch-callback-secret-0123';
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/sinch';

const sinchError = (status: number, code: string, text: string): CannedReply => ({
  status,
  body: JSON.stringify({ code, text }),
});

interface TextBatch {
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
const sinchApi: HttpApiModel = {
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

providerContract({
  driver: sinchDriver,
  fake: () => FakeHttpApi.start(sinchApi),
  settings: (api) => ({
    servicePlanId: PLAN,
    apiToken: TOKEN,
    baseUrl: api.url,
    callbackSecret: SECRET,
    timeoutMs: 400,
  }),
  context: () => ({ receiptUrl: RECEIPT_URL }),
  timeoutMs: 400,
});

const context = { logger: createLogger('silent'), stdout: { write: () => true }, receiptUrl: RECEIPT_URL };
const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
  id: 'msg_1',
  to: '+14155552671',
  from: '+12025550123',
  body: 'Your code is 123456',
  country: 'US',
  idempotencyKey: 'idem-1',
  ...over,
});

describe('the sinch driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const settings = () => ({ servicePlanId: PLAN, apiToken: TOKEN, baseUrl: `${api.url}/`, timeoutMs: 2000 });
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));
  const lastBatch = () => JSON.parse(api.requests.at(-1)?.raw ?? '') as TextBatch;

  before(async () => {
    api = await FakeHttpApi.start(sinchApi);
    provider = sinchDriver.create({ ...settings(), callbackSecret: SECRET }, context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('POSTs a one-recipient batch with a bearer token, asking for final reports at the receipt URL', async () => {
    const result = await send();
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '201',
    });
    assert.equal(api.requests.at(-1)?.path, `/xms/v1/${PLAN}/batches`);
    assert.equal(api.requests.at(-1)?.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(lastBatch(), {
      to: ['+14155552671'],
      body: 'Your code is 123456',
      from: '+12025550123',
      delivery_report: 'per_recipient_final',
      callback_url: RECEIPT_URL,
    });
  });

  it('asks for no reports without a callback secret, and prefers the configured sender', async () => {
    const quiet = sinchDriver.create({ ...settings(), from: 'OTPLINE' }, context);
    try {
      assert.equal((await quiet.send(sms(), AbortSignal.timeout(5000))).outcome, 'accepted');
      assert.deepEqual(lastBatch(), { to: ['+14155552671'], body: 'Your code is 123456', from: 'OTPLINE' });
      assert.equal(quiet.receipts, undefined);
    } finally {
      await quiet.stop?.();
    }
  });

  it('takes a bad token (401) as a provider-wide fault', async () => {
    const wrong = sinchDriver.create({ ...settings(), apiToken: 'not-the-token-000' }, context);
    try {
      const result = await wrong.send(sms(), AbortSignal.timeout(5000));
      assert.deepEqual(result, {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '401',
        errorCode: undefined,
        detail: 'HTTP 401: ',
      });
    } finally {
      await wrong.stop?.();
    }
  });

  it('takes a malformed recipient, as the fake refuses it, as a rejected number', async () => {
    const result = await send({ to: '+1415' });
    assert.deepEqual(result, {
      outcome: 'rejected_number',
      statusCode: '400',
      errorCode: 'syntax_invalid_parameter_format',
      detail: 'Sinch syntax_invalid_parameter_format: Invalid MSISDN: +1415',
    });
  });

  const cases: Array<[CannedReply, string, boolean?]> = [
    [sinchError(403, 'blocked_account', 'The account is blocked'), 'permanent', true],
    [sinchError(403, 'illegal_number_type', 'Illegal number type for region'), 'rejected_number'],
    [sinchError(400, 'syntax_invalid_parameter_format', 'from: not a valid originator'), 'permanent'],
    [sinchError(400, 'syntax_constraint_violation', 'body: size must be between 1 and 2000'), 'permanent'],
    [sinchError(403, 'missing_callback_url', 'No callback URL is set'), 'permanent'],
    [{ status: 500, body: '' }, 'transient'],
  ];
  for (const [reply, outcome, providerFault] of cases) {
    const code = reply.body ? (JSON.parse(reply.body) as { code: string }).code : `HTTP ${reply.status}`;
    it(`classifies ${code} (${reply.status}) as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(reply);
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.deepEqual(
        [result.outcome, result.providerFault, result.statusCode],
        [outcome, providerFault, String(reply.status)],
      );
    });
  }

  it('refuses a body over 10 segments before calling Sinch', async () => {
    const before = api.requests.length;
    assert.equal((await send({ body: 'z'.repeat(1531) })).outcome, 'permanent');
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_SINCH_*, US region by default', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'sinch',
        OTPLINE_SINCH_SERVICE_PLAN_ID: PLAN,
        OTPLINE_SINCH_API_TOKEN: TOKEN,
        OTPLINE_SINCH_CALLBACK_SECRET: SECRET,
      },
    });
    assert.deepEqual(config.provider.sinch, {
      servicePlanId: PLAN,
      apiToken: TOKEN,
      callbackSecret: SECRET,
      baseUrl: 'https://us.sms.api.sinch.com',
      timeoutMs: 10000,
    });
  });
});

describe('sinch delivery reports', () => {
  const route = sinchDriver.create(
    {
      servicePlanId: PLAN,
      apiToken: TOKEN,
      baseUrl: 'http://127.0.0.1:9',
      callbackSecret: SECRET,
      timeoutMs: 1000,
    },
    context,
  ).receipts;
  const report = (status: string, code: number) =>
    JSON.stringify({
      at: '2025-01-13T09:22:40.914Z',
      batch_id: '01JHFFHQ0P99JPPNQPJDV7JTBP',
      client_reference: 'r',
      code,
      operator_status_at: '2025-01-13T09:22:00Z',
      recipient: '14155552671',
      status,
      type: 'recipient_delivery_report_sms',
    });
  const signed = (
    rawBody: string,
    {
      secret = SECRET,
      timestamp = Math.floor(Date.now() / 1000),
      nonce = randomUUID(),
      algorithm = 'HmacSHA256',
    } = {},
  ): ReceiptRequest => {
    // Computed as Sinch documents it, independently of the driver: HMAC-SHA256 over body.nonce.timestamp.
    const signature = createHmac('sha256', secret)
      .update(`${rawBody}.${nonce}.${timestamp}`)
      .digest('base64');
    return {
      url: RECEIPT_URL,
      headers: {
        'content-type': 'application/json',
        'x-sinch-webhook-signature': signature,
        'x-sinch-webhook-signature-nonce': nonce,
        'x-sinch-webhook-signature-timestamp': String(timestamp),
        'x-sinch-webhook-signature-algorithm': algorithm,
      },
      query: {},
      body: JSON.parse(rawBody),
      rawBody,
    };
  };

  it("verifies the Sinch SDK's own test vector", async () => {
    const rawBody =
      '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';
    const vectorRoute = sinchReceipts('SMSWebhooksSecret', () => 1736760161_000);
    const outcome = await vectorRoute.handle({
      url: RECEIPT_URL,
      headers: {
        'x-sinch-webhook-signature': 'ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=',
        'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
        'x-sinch-webhook-signature-nonce': '01JHFFHWYY7HSS4FWTMDTQEK8V',
        'x-sinch-webhook-signature-timestamp': '1736760161',
      },
      query: {},
      body: JSON.parse(rawBody),
      rawBody,
    });
    assert.deepEqual(outcome, {
      receipts: [
        {
          providerMessageId: '01JHFFHQ0P99JPPNQPJDV7JTBP',
          status: 'delivered',
          detail: 'Delivered (code 0)',
          at: Date.parse('2025-01-13T09:22:40.914Z'),
        },
      ],
      reply: { status: 200 },
    });
  });

  it('takes a signed Failed or Expired report as undelivered; Dispatched changes nothing', async () => {
    assert.equal((await route?.handle(signed(report('Failed', 402))))?.receipts[0]?.status, 'undelivered');
    assert.equal(
      (await route?.handle(signed(report('Expired', 406))))?.receipts[0]?.detail,
      'Expired (code 406)',
    );
    assert.deepEqual(await route?.handle(signed(report('Dispatched', 401))), {
      receipts: [],
      reply: { status: 200 },
    });
  });

  it('refuses unsigned, wrongly signed and tampered reports', async () => {
    const good = signed(report('Delivered', 0));
    const unsigned = { ...good, headers: { 'content-type': 'application/json' } };
    const wrongKey = signed(report('Delivered', 0), { secret: 'someone-elses-secret' });
    const tampered = { ...good, rawBody: report('Failed', 402) };
    const otherAlgorithm = signed(report('Delivered', 0), { algorithm: 'HmacSHA1' });
    for (const request of [unsigned, wrongKey, tampered, otherAlgorithm]) {
      const outcome = await route?.handle(request);
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 401]);
    }
  });

  it('refuses a replay: a signature more than 5 minutes old (or ahead)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      const outcome = await route?.handle(signed(report('Delivered', 0), { timestamp }));
      assert.deepEqual([outcome?.receipts, outcome?.reply.body], [[], 'signature too old or too new']);
    }
    assert.equal(
      (await route?.handle(signed(report('Delivered', 0), { timestamp: now - 290 })))?.receipts.length,
      1,
    );
  });
});
