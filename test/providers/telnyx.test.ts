import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { telnyxDriver } from '../../src/providers/telnyx/index.js';
import type { OutgoingSms, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi, type FakeReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import {
  API_KEY,
  type CreateMessage,
  PROFILE,
  RECEIPT_URL,
  telnyx,
  telnyxApi,
  telnyxError,
} from './fakes/telnyx-api.js';

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

const context = driverContext(RECEIPT_URL);
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: '+12025550123', ...over });

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

  it('sends with a messaging profile, which picks the number when there is no sender; no webhooks without the public key', async () => {
    const pooled = telnyxDriver.create({ ...settings(), messagingProfileId: PROFILE }, context);
    try {
      assert.equal((await pooled.send(sms({ from: null }), AbortSignal.timeout(5000))).outcome, 'accepted');
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

  const cases: Array<[FakeReply, string, boolean?]> = [
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
