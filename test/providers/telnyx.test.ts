import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { telnyxDriver } from '../../src/providers/telnyx/index.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import {
  type CannedReply,
  FakeHttpApi,
  type HttpApiModel,
  type RecordedRequest,
} from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const API_KEY = 'KEY0123456789ABCDEF_telnyx';
const PROFILE = 'abc85f64-5717-4562-b3fc-2c9600000000';
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/telnyx';

/** A key pair standing in for Telnyx's: the public half as the portal shows it (32 raw bytes, base64). */
function keyPair(): { publicKey: string; privateKey: KeyObject } {
  const pair = generateKeyPairSync('ed25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x ?? '';
  return { publicKey: Buffer.from(x, 'base64url').toString('base64'), privateKey: pair.privateKey };
}
const telnyx = keyPair();

const telnyxError = (
  status: number,
  code: string,
  title: string,
  detail = '',
  pointer?: string,
): CannedReply => ({
  status,
  body: JSON.stringify({
    errors: [
      {
        code,
        title,
        detail,
        meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
        ...(pointer ? { source: { pointer } } : {}),
      },
    ],
  }),
});

interface CreateMessage {
  to?: string;
  text?: string;
  from?: string;
  messaging_profile_id?: string;
  webhook_url?: string;
}

/**
 * The Telnyx Messaging API per team-telnyx/openapi spec3.yml: POST /v2/messages, `Authorization:
 * Bearer <key>`, `CreateMessageRequest` (`to` required as +E.164, `text`, `from` or
 * `messaging_profile_id`, `webhook_url` a URL), answered 200 `{data: OutboundMessagePayload}`;
 * errors `{errors: [{code, title, detail, source, meta}]}`.
 */
const telnyxApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/v2/messages')
      return telnyxError(404, '10005', 'Resource not found');
    if (request.headers.authorization !== `Bearer ${API_KEY}`)
      return telnyxError(
        401,
        '10009',
        'Authentication failed',
        'The required authentication headers were either invalid or not included in the request.',
      );
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return telnyxError(415, '10014', 'Unsupported Media Type');
    let body: CreateMessage;
    try {
      body = JSON.parse(request.raw) as CreateMessage;
    } catch {
      return telnyxError(400, '10023', 'Invalid JSON');
    }
    if (!body.to) return telnyxError(400, '10004', 'Missing required parameter', 'to', '/to');
    if (!/^\+[1-9]\d{6,14}$/.test(body.to))
      return telnyxError(400, '10016', 'Phone number must be in +E.164 format', '', '/to');
    if (!body.text) return telnyxError(400, '10004', 'Missing required parameter', 'text', '/text');
    if (!body.from && !body.messaging_profile_id)
      return telnyxError(400, '10004', 'Missing required parameter', 'from', '/from');
    if (body.webhook_url !== undefined && !/^https?:\/\/\S+$/.test(body.webhook_url))
      return telnyxError(400, '10003', 'Invalid URL', '', '/webhook_url');
    return undefined;
  },
  read(request) {
    const body = JSON.parse(request.raw) as CreateMessage;
    return { to: String(body.to), body: String(body.text) };
  },
  reply(answer, n) {
    const id = `40385f64-5717-4562-b3fc-2c96300000${String(n).padStart(2, '0')}`;
    if (answer === 'accept')
      return {
        status: 200,
        body: JSON.stringify({
          data: {
            record_type: 'message',
            direction: 'outbound',
            id,
            type: 'SMS',
            from: { phone_number: '+12025550123' },
            to: [
              {
                phone_number: '+14155552671',
                status: 'queued',
                carrier: 'T-MOBILE USA, INC.',
                line_type: 'Wireless',
              },
            ],
            text: 'x',
            parts: 1,
            encoding: 'GSM-7',
            errors: [],
          },
        }),
        id,
      };
    if (answer === 'throttle') return telnyxError(429, '10011', 'Too many requests');
    if (answer === 'server_error') return telnyxError(500, '10007', 'Unexpected error');
    return telnyxError(422, '10015', 'Bad Request', 'The request failed because it was not well-formed.');
  },
};

providerContract({
  driver: telnyxDriver,
  fake: () => FakeHttpApi.start(telnyxApi),
  settings: (api) => ({
    apiKey: API_KEY,
    from: '+12025550123',
    baseUrl: api.url,
    publicKey: telnyx.publicKey,
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

describe('the telnyx driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const settings = () => ({ apiKey: API_KEY, baseUrl: `${api.url}/`, timeoutMs: 2000 });
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));
  const lastBody = () => JSON.parse(api.requests.at(-1)?.raw ?? '') as CreateMessage;

  before(async () => {
    api = await FakeHttpApi.start(telnyxApi);
    provider = telnyxDriver.create({ ...settings(), publicKey: telnyx.publicKey }, context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it("POSTs /v2/messages with a bearer key, the message's sender and this message's webhook URL", async () => {
    const result = await send();
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '200',
    });
    assert.equal(api.requests.at(-1)?.path, '/v2/messages');
    assert.equal(api.requests.at(-1)?.headers.authorization, `Bearer ${API_KEY}`);
    assert.deepEqual(lastBody(), {
      to: '+14155552671',
      text: 'Your code is 123456',
      from: '+12025550123',
      webhook_url: RECEIPT_URL,
    });
  });

  it('sends with a messaging profile, letting it pick the number; no webhooks without the public key', async () => {
    const pooled = telnyxDriver.create({ ...settings(), messagingProfileId: PROFILE }, context);
    try {
      assert.equal((await pooled.send(sms(), AbortSignal.timeout(5000))).outcome, 'accepted');
      assert.deepEqual(lastBody(), {
        to: '+14155552671',
        text: 'Your code is 123456',
        messaging_profile_id: PROFILE,
      });
      assert.equal(pooled.receipts, undefined);
    } finally {
      await pooled.stop?.();
    }
  });

  it('takes a bad key (401, 10009) as a provider-wide fault', async () => {
    const wrong = telnyxDriver.create({ ...settings(), apiKey: 'KEY_not_the_one_000' }, context);
    try {
      const result = await wrong.send(sms(), AbortSignal.timeout(5000));
      assert.deepEqual(result, {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '401',
        errorCode: '10009',
        detail:
          'Telnyx 10009: Authentication failed: The required authentication headers were either invalid or not included in the request.',
      });
    } finally {
      await wrong.stop?.();
    }
  });

  it('takes a number the fake finds not +E.164 (10016) as a rejected number', async () => {
    const result = await send({ to: '+0123' });
    assert.deepEqual(
      [result.outcome, result.outcome === 'accepted' ? '' : result.errorCode],
      ['rejected_number', '10016'],
    );
  });

  const cases: Array<[CannedReply, string, boolean?]> = [
    [telnyxError(400, '40310', "Invalid 'to' address"), 'rejected_number'],
    [telnyxError(400, '40300', 'Blocked due to STOP message'), 'rejected_number'],
    [telnyxError(400, '40012', 'Invalid destination number'), 'rejected_number'],
    [telnyxError(403, '10010', 'Authorization failed'), 'permanent', true],
    [telnyxError(400, '40013', 'Invalid source number'), 'permanent', true],
    [telnyxError(400, '40011', 'Rate limit exceeded (upstream)'), 'transient'],
    [telnyxError(503, '10007', 'Unexpected error'), 'transient'],
    [telnyxError(400, '40009', 'Invalid message body'), 'permanent'],
  ];
  for (const [reply, outcome, providerFault] of cases) {
    const { code, title } = (JSON.parse(reply.body) as { errors: Array<{ code: string; title: string }> })
      .errors[0] ?? { code: '', title: '' };
    it(`classifies ${code} ${title} as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(reply);
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.deepEqual(
        [result.outcome, result.providerFault, result.errorCode],
        [outcome, providerFault, code],
      );
    });
  }

  it('refuses a body over 10 segments before calling Telnyx', async () => {
    const before = api.requests.length;
    assert.equal((await send({ body: '€'.repeat(766) })).outcome, 'permanent');
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_TELNYX_*; a public key must be 32 bytes of base64', () => {
    const env = {
      OTPLINE_PROVIDER: 'telnyx',
      OTPLINE_TELNYX_API_KEY: API_KEY,
      OTPLINE_TELNYX_MESSAGING_PROFILE_ID: PROFILE,
    };
    const config = loadConfig({ env: { ...env, OTPLINE_TELNYX_PUBLIC_KEY: telnyx.publicKey } });
    assert.deepEqual(config.provider.telnyx, {
      apiKey: API_KEY,
      messagingProfileId: PROFILE,
      publicKey: telnyx.publicKey,
      baseUrl: 'https://api.telnyx.com',
      timeoutMs: 10000,
    });
    assert.throws(
      () => loadConfig({ env: { ...env, OTPLINE_TELNYX_PUBLIC_KEY: 'not-a-key' } }),
      /provider\.telnyx\.publicKey/,
    );
  });
});

describe('telnyx delivery webhooks', () => {
  const route = telnyxDriver.create(
    { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9', publicKey: telnyx.publicKey, timeoutMs: 1000 },
    context,
  ).receipts;
  const event = (eventType: string, status: string, errors: unknown[] = []) =>
    JSON.stringify({
      data: {
        event_type: eventType,
        id: 'b301ed3f-1490-491f-995f-6e64e69674d4',
        occurred_at: '2024-01-01T00:00:03.000+00:00',
        payload: {
          id: '40385f64-5717-4562-b3fc-2c963f66afa6',
          record_type: 'message',
          direction: 'outbound',
          to: [{ phone_number: '+14155552671', status }],
          completed_at: '2024-01-01T00:00:02.500+00:00',
          errors,
        },
        record_type: 'event',
      },
      meta: { attempt: 1, delivered_to: RECEIPT_URL },
    });
  // Signed as Telnyx documents: Ed25519 over "<timestamp>|<raw body>", base64, with the timestamp header.
  const signed = (
    rawBody: string,
    { privateKey = telnyx.privateKey, timestamp = Math.floor(Date.now() / 1000) } = {},
  ): ReceiptRequest => ({
    url: RECEIPT_URL,
    headers: {
      'content-type': 'application/json',
      'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${rawBody}`), privateKey).toString(
        'base64',
      ),
      'telnyx-timestamp': String(timestamp),
    },
    query: {},
    body: JSON.parse(rawBody),
    rawBody,
  });

  it('takes a signed message.finalized: delivered', async () => {
    assert.deepEqual(await route?.handle(signed(event('message.finalized', 'delivered'))), {
      receipts: [
        {
          providerMessageId: '40385f64-5717-4562-b3fc-2c963f66afa6',
          status: 'delivered',
          detail: 'delivered',
          at: Date.parse('2024-01-01T00:00:02.500Z'),
        },
      ],
      reply: { status: 200 },
    });
  });

  it('takes delivery_failed and sending_failed as undelivered, with the error; ignores message.sent and delivery_unconfirmed', async () => {
    const failed = await route?.handle(
      signed(event('message.finalized', 'delivery_failed', [{ code: '40008', title: 'Undeliverable' }])),
    );
    assert.deepEqual(
      failed?.receipts.map((r) => [r.status, r.detail]),
      [['undelivered', 'delivery_failed; 40008 Undeliverable']],
    );
    assert.equal(
      (await route?.handle(signed(event('message.finalized', 'sending_failed'))))?.receipts[0]?.status,
      'undelivered',
    );
    for (const body of [event('message.sent', 'sent'), event('message.finalized', 'delivery_unconfirmed')])
      assert.deepEqual(await route?.handle(signed(body)), { receipts: [], reply: { status: 200 } });
  });

  it('refuses unsigned, wrongly signed and tampered webhooks', async () => {
    const good = signed(event('message.finalized', 'delivered'));
    const unsigned = { ...good, headers: { 'content-type': 'application/json' } };
    const otherKey = signed(event('message.finalized', 'delivered'), { privateKey: keyPair().privateKey });
    const tampered = { ...good, rawBody: event('message.finalized', 'delivery_failed') };
    const garbage = {
      ...good,
      headers: { ...good.headers, 'telnyx-signature-ed25519': 'bm90IGEgc2lnbmF0dXJl' },
    };
    for (const request of [unsigned, otherKey, tampered, garbage]) {
      const outcome = await route?.handle(request);
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 401]);
    }
  });

  it('refuses a replay: a timestamp more than 5 minutes old (or ahead)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      const outcome = await route?.handle(signed(event('message.finalized', 'delivered'), { timestamp }));
      assert.deepEqual([outcome?.receipts, outcome?.reply.body], [[], 'signature too old or too new']);
    }
    assert.equal(
      (await route?.handle(signed(event('message.finalized', 'delivered'), { timestamp: now - 290 })))
        ?.receipts.length,
      1,
    );
  });
});
