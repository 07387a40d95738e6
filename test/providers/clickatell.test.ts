import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { clickatellDriver } from '../../src/providers/clickatell/index.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import {
  type CannedReply,
  FakeHttpApi,
  type HttpApiModel,
  type RecordedRequest,
} from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const API_KEY = 'clickatell-integration-key-0123';
const RECEIPT_TOKEN = 'clickatell-receipt-token-0123456789';

const error = (status: number, code: number, description: string): CannedReply => ({
  status,
  body: JSON.stringify({ error: { code, description } }),
});
const messageError = (status: number, to: string, code: number, description: string): CannedReply => ({
  status,
  body: JSON.stringify({ messages: [{ accepted: false, to, error: { code, description } }], error: null }),
});

interface OneApiMessage {
  channel?: string;
  to: string;
  content: string;
  from?: string;
}

/**
 * The Clickatell Platform One API as "Send messages" describes it: POST /v1/message, the
 * integration's API key as the whole Authorization header, JSON `{messages: [{channel, to,
 * content, from?}]}` (at most 200), answered 202 with `{messages: [{apiMessageId, accepted, to,
 * error}], error}`; errors from "One API: Error messages".
 */
const oneApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/v1/message')
      return error(404, 41, 'Resource does not exist');
    if (request.headers.authorization !== API_KEY)
      return error(401, 1, 'Invalid or missing Integration API Key');
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return error(400, 21, 'Payload data is malformed');
    let messages: OneApiMessage[];
    try {
      messages = (JSON.parse(request.raw) as { messages: OneApiMessage[] }).messages;
    } catch {
      return error(400, 21, 'Payload data is malformed');
    }
    if (!Array.isArray(messages) || messages.length < 1) return error(400, 21, 'Payload data is malformed');
    if (messages.length > 200) return error(400, 22, 'Maximum messages per request payload exceeded');
    for (const m of messages) {
      if (m.channel !== undefined && m.channel !== 'sms')
        return error(400, 38, 'Channel is not active on integration');
      // International format, digits only: no "+" or "00" ("API Error codes", 105).
      if (!/^[1-9]\d{6,14}$/.test(m.to ?? ''))
        return messageError(400, String(m.to), 25, `Invalid recipient address: ${m.to}`);
      if (typeof m.content !== 'string' || m.content === '')
        return messageError(400, m.to, 23, 'Invalid or missing parameter: content');
    }
    return undefined;
  },
  read(request) {
    const [m] = (JSON.parse(request.raw) as { messages: OneApiMessage[] }).messages;
    return { to: `+${m?.to}`, body: String(m?.content) };
  },
  reply(answer, n) {
    const id = `${n.toString(16).padStart(8, '0')}c0ffee0123456789abcdef0123456`;
    if (answer === 'accept')
      return {
        status: 202,
        body: JSON.stringify({
          messages: [{ apiMessageId: id, accepted: true, to: 'x', error: null }],
          error: null,
        }),
        id,
      };
    if (answer === 'throttle') return { status: 429, body: 'Too Many Requests', contentType: 'text/plain' };
    if (answer === 'server_error') return error(503, 19, 'Internal error, please retry');
    return messageError(400, '14155552671', 24, 'Maximum message content size exceeded');
  },
};

providerContract({
  driver: clickatellDriver,
  fake: () => FakeHttpApi.start(oneApi),
  settings: (api) => ({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 400 }),
  timeoutMs: 400,
});

const context = { logger: createLogger('silent'), stdout: { write: () => true } };
const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
  id: 'msg_1',
  to: '+14155552671',
  from: 'Auth0',
  body: 'Your code is 123456',
  country: 'US',
  idempotencyKey: 'idem-1',
  ...over,
});

describe('the clickatell driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));

  before(async () => {
    api = await FakeHttpApi.start(oneApi);
    provider = clickatellDriver.create({ apiKey: API_KEY, baseUrl: `${api.url}/`, timeoutMs: 2000 }, context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('sends one sms message, the number without "+", and not the message\'s own sender', async () => {
    const result = await send();
    assert.equal(result.outcome, 'accepted', JSON.stringify(result));
    const request = api.requests.at(-1);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.path, '/v1/message');
    assert.equal(request?.headers.authorization, API_KEY);
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request?.raw ?? ''), {
      messages: [{ channel: 'sms', to: '14155552671', content: 'Your code is 123456' }],
    });
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '202',
    });
  });

  it('passes the configured sender of a two-way integration', async () => {
    const twoWay = clickatellDriver.create(
      { apiKey: API_KEY, from: '12027530410', baseUrl: api.url, timeoutMs: 2000 },
      context,
    );
    try {
      assert.equal((await twoWay.send(sms(), AbortSignal.timeout(5000))).outcome, 'accepted');
      const [message] = (JSON.parse(api.requests.at(-1)?.raw ?? '') as { messages: OneApiMessage[] })
        .messages;
      assert.equal(message?.from, '12027530410');
    } finally {
      await twoWay.stop?.();
    }
  });

  it('takes a bad API key (401, code 1) as a provider-wide fault', async () => {
    const wrong = clickatellDriver.create(
      { apiKey: 'not-the-right-key', baseUrl: api.url, timeoutMs: 2000 },
      context,
    );
    try {
      const result = await wrong.send(sms(), AbortSignal.timeout(5000));
      assert.deepEqual(result, {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '401',
        errorCode: '1',
        detail: 'Clickatell error 1: Invalid or missing Integration API Key',
      });
      assert.equal(api.refused.at(-1)?.reply.status, 401, 'the fake refused it as Clickatell would');
    } finally {
      await wrong.stop?.();
    }
  });

  // [what Clickatell answers, its error code, the outcome, a provider-wide fault]
  const cases: Array<[string, CannedReply, string | undefined, string, boolean?]> = [
    [
      'an invalid recipient',
      messageError(400, '1415', 25, 'Invalid recipient address: 1415'),
      '25',
      'rejected_number',
    ],
    [
      'an opted-out recipient',
      messageError(400, '14155552671', 26, 'Recipient opted out'),
      '26',
      'rejected_number',
    ],
    [
      'a recipient not on the channel',
      messageError(400, '1', 27, 'Recipient not available on channel'),
      '27',
      'rejected_number',
    ],
    [
      'a missing "to"',
      messageError(400, '', 23, 'Invalid or missing parameter: to .'),
      '23',
      'rejected_number',
    ],
    ['the rate limit', error(400, 43, 'Rate limit'), '43', 'transient'],
    ['an internal error', error(500, 18, 'Internal error'), '18', 'transient'],
    ['no balance', error(402, 20, 'Insufficient account balance'), '20', 'permanent', true],
    ['an inactive account', error(400, 2, 'Account is not active'), '2', 'permanent', true],
    [
      'an unapproved IP',
      error(401, 7, 'Originating IP address is not approved in your account'),
      '7',
      'permanent',
      true,
    ],
    ['a suspended sender', error(400, 44, 'FROM number is suspended'), '44', 'permanent', true],
    [
      'too many message parts',
      messageError(400, '1', 100, 'Maximum message parts exceeded'),
      '100',
      'permanent',
    ],
    [
      'an HTML error page',
      { status: 404, body: '<html>not here</html>', contentType: 'text/html' },
      undefined,
      'permanent',
    ],
  ];
  for (const [title, reply, errorCode, outcome, providerFault] of cases) {
    it(`classifies ${title} (${errorCode ?? reply.status}) as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(reply);
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.equal(result.outcome, outcome, JSON.stringify(result));
      assert.equal(result.providerFault, providerFault);
      assert.equal(result.statusCode, String(reply.status));
      assert.equal(result.errorCode, errorCode);
    });
  }

  it('refuses a body over 35 segments before calling Clickatell', async () => {
    const before = api.requests.length;
    const result = await send({ body: 'x'.repeat(153 * 35 + 1) });
    assert.equal(result.outcome, 'permanent');
    assert.match(
      result.outcome === 'permanent' ? result.detail : '',
      /too long for Clickatell: 5356 GSM-7 septets in 36 segments, at most 35/,
    );
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_CLICKATELL_*; receipts only with a token', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'clickatell',
        OTPLINE_CLICKATELL_API_KEY: API_KEY,
        OTPLINE_CLICKATELL_FROM: '12027530410',
        OTPLINE_CLICKATELL_RECEIPT_TOKEN: RECEIPT_TOKEN,
        OTPLINE_CLICKATELL_TIMEOUT_MS: '3000',
      },
    });
    assert.deepEqual(config.provider.clickatell, {
      apiKey: API_KEY,
      from: '12027530410',
      baseUrl: 'https://platform.clickatell.com',
      receiptToken: RECEIPT_TOKEN,
      timeoutMs: 3000,
    });
    assert.equal(provider.receipts, undefined, 'no token, no receipt route');
  });
});

describe('clickatell delivery receipts', () => {
  const route = clickatellDriver.create(
    { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9', receiptToken: RECEIPT_TOKEN, timeoutMs: 1000 },
    context,
  ).receipts;
  const callback = (
    body: unknown,
    query: Record<string, string> = { token: RECEIPT_TOKEN },
  ): ReceiptRequest => ({
    url: `https://otpline.example/gateway/receipts/clickatell?token=${query.token ?? ''}`,
    headers: { 'content-type': 'application/json' },
    query,
    body,
    rawBody: JSON.stringify(body),
  });
  // The One API's status callback: one event per request for now, times in milliseconds.
  const oneApiStatus = (statusCode: number, status: string) => ({
    integrationId: 'a1b2',
    integrationName: 'otpline',
    event: {
      messageStatusUpdate: [
        {
          channel: 'sms',
          messageId: 'fd496adebb6e422587368077937cfb5d',
          clientMessageId: '',
          statusCode,
          status,
          timestamp: 1736760161000,
        },
      ],
    },
  });

  it("is a POST route at the driver's receipt URL", () => {
    assert.equal(route?.method, 'POST');
    assert.equal(route?.path, '/');
  });

  it('takes a delivery (5 DEVICE_ACK) with the right token', async () => {
    const outcome = await route?.handle(callback(oneApiStatus(5, 'DEVICE_ACK')));
    assert.deepEqual(outcome, {
      receipts: [
        {
          providerMessageId: 'fd496adebb6e422587368077937cfb5d',
          status: 'delivered',
          detail: '5 DEVICE_ACK',
          at: 1736760161000,
        },
      ],
      reply: { status: 200 },
    });
  });

  it('takes failures (23 DELIVERY_FAILURE, 20 EXPIRED, 100 ROUTING_ERROR) as undelivered', async () => {
    for (const [code, name] of [
      [23, 'DELIVERY_FAILURE'],
      [20, 'EXPIRED'],
      [100, 'ROUTING_ERROR'],
    ] as const) {
      const outcome = await route?.handle(callback(oneApiStatus(code, name)));
      assert.equal(outcome?.receipts[0]?.status, 'undelivered', name);
      assert.equal(outcome?.receipts[0]?.detail, `${code} ${name}`);
    }
  });

  it('acknowledges intermediate statuses (4 SENT_TO_SUPPLIER) without a receipt', async () => {
    assert.deepEqual(await route?.handle(callback(oneApiStatus(4, 'SENT_TO_SUPPLIER'))), {
      receipts: [],
      reply: { status: 200 },
    });
  });

  it("takes the SMS integration's flat callback too", async () => {
    const outcome = await route?.handle(
      callback({
        integrationName: 'otpline',
        messageId: 'abc123',
        requestId: 'r1',
        clientMessageId: '',
        to: '14155552671',
        from: '',
        statusCode: 23,
        status: 'DELIVERY_FAILURE',
        statusDescription: 'Error delivering message',
        timestamp: '1736760161000',
      }),
    );
    assert.deepEqual(outcome?.receipts, [
      {
        providerMessageId: 'abc123',
        status: 'undelivered',
        detail: '23 DELIVERY_FAILURE Error delivering message',
        at: 1736760161000,
      },
    ]);
  });

  it('refuses a callback without the token, or with a wrong one', async () => {
    for (const query of [{}, { token: 'guessed-token-000000000000' }, { token: '' }] as Record<
      string,
      string
    >[]) {
      const outcome = await route?.handle(callback(oneApiStatus(5, 'DEVICE_ACK'), query));
      assert.deepEqual(outcome?.receipts, []);
      assert.equal(outcome?.reply.status, 403);
      assert.ok(!String(outcome?.reply.body).includes(RECEIPT_TOKEN));
    }
  });

  it('refuses a body that is not a JSON callback', async () => {
    const outcome = await route?.handle({ ...callback(null), body: 'status=5' });
    assert.equal(outcome?.reply.status, 400);
  });
});
