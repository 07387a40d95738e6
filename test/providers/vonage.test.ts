import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import type { OutgoingSms, SendOutcome, SmsProvider } from '../../src/providers/types.js';
import { createVonageProvider, vonageDriver } from '../../src/providers/vonage/index.js';
import { FakeHttpApi, type ScriptedReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { vonageAnswer, vonageApi, vonageError } from './fakes/vonage-api.js';

const ACCOUNT = {
  apiKey: 'abcd1234',
  apiSecret: 'vonage-api-secret-01',
  signatureSecret: 'vonage-signature-secret-0123',
  signatureMethod: 'sha256',
};
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/vonage';

providerContract({
  driver: vonageDriver,
  fake: () => FakeHttpApi.start(vonageApi(ACCOUNT)),
  settings: (api) => ({
    apiKey: ACCOUNT.apiKey,
    apiSecret: ACCOUNT.apiSecret,
    baseUrl: api.url,
    timeoutMs: 1000,
  }),
  timeoutMs: 1000,
});

describe('the vonage driver', () => {
  let api: FakeHttpApi;
  const providers: SmsProvider[] = [];
  const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
    id: 'msg_vonage_1',
    to: '+14155552671',
    from: 'Acme',
    body: 'Your code is 123456',
    country: 'US',
    idempotencyKey: 'idem-1',
    ...over,
  });
  const provider = (over: Record<string, unknown> = {}) => {
    const settings = {
      apiKey: ACCOUNT.apiKey,
      apiSecret: ACCOUNT.apiSecret,
      signatureMethod: 'md5hash' as const,
      receiptMethod: 'POST' as const,
      baseUrl: api.url,
      timeoutMs: 2000,
      ...over,
    };
    const created = createVonageProvider(settings, {
      logger: createLogger('silent'),
      stdout: process.stdout,
      receiptUrl: RECEIPT_URL,
    });
    providers.push(created);
    return created;
  };
  const send = (p: SmsProvider, message = sms()) => p.send(message, AbortSignal.timeout(5000));
  const lastFields = () => Object.fromEntries(new URLSearchParams(api.requests.at(-1)?.raw));

  before(async () => {
    api = await FakeHttpApi.start(vonageApi(ACCOUNT));
  });
  after(async () => {
    for (const p of providers) await p.stop?.();
    await api.close();
  });

  it('POSTs key, secret, from, to without "+", text, client-ref and callback to /sms/json', async () => {
    const result = await send(provider());
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: '0A00000000000001',
      statusCode: '200',
    });
    assert.equal(api.requests.at(-1)?.path, '/sms/json');
    assert.deepEqual(lastFields(), {
      api_key: ACCOUNT.apiKey,
      api_secret: ACCOUNT.apiSecret,
      from: 'Acme',
      to: '14155552671',
      text: 'Your code is 123456',
      type: 'text',
      'client-ref': 'msg_vonage_1',
      callback: RECEIPT_URL,
    });
    assert.deepEqual(api.refusals, []);
  });

  it('sends text outside GSM-7 as type=unicode', async () => {
    assert.equal((await send(provider(), sms({ body: 'Ваш код 123456 ✅' }))).outcome, 'accepted');
    assert.equal(lastFields().type, 'unicode');
  });

  it('signs the request with the signature secret when there is no API secret', async () => {
    const signed = provider({
      apiSecret: undefined,
      signatureSecret: ACCOUNT.signatureSecret,
      signatureMethod: 'sha256',
    });
    assert.equal((await send(signed)).outcome, 'accepted');
    const fields = lastFields();
    assert.equal(fields.api_secret, undefined);
    assert.match(fields.timestamp ?? '', /^\d{10}$/);
    assert.match(fields.sig ?? '', /^[0-9A-F]{64}$/);
    assert.deepEqual(api.refusals, [], 'the fake checked the signature with its own code');
    // Signed with another algorithm than the account's, the request is refused (status 14).
    const wrong = provider({ apiSecret: undefined, signatureSecret: ACCOUNT.signatureSecret });
    const refused = await send(wrong);
    assert.equal(refused.outcome === 'permanent' && refused.errorCode, '14');
    assert.throws(() => provider({ apiSecret: undefined }), /apiSecret or signatureSecret/);
  });

  it('takes itself out of rotation on bad credentials (status 4), though Vonage answers 200', async () => {
    const result = await send(provider({ apiSecret: 'not-the-secret' }));
    assert.deepEqual(result, {
      outcome: 'permanent',
      statusCode: '200',
      errorCode: '4',
      detail: 'Vonage status 4: Bad Credentials',
      providerFault: true,
    });
  });

  const cases: Array<[string, ScriptedReply, SendOutcome, boolean?]> = [
    ['throttled (1)', vonageError('1', 'Throughput Rate Exceeded'), 'transient'],
    ['missing parameters (2)', vonageError('2', 'Missing to param'), 'permanent'],
    ['invalid parameters (3)', vonageError('3', 'Invalid to address'), 'permanent'],
    ['an internal error (5)', vonageError('5', 'Internal Error'), 'transient'],
    ['an unroutable number (6)', vonageError('6', 'Invalid Message'), 'rejected_number'],
    ['a barred number (7)', vonageError('7', 'Number Barred'), 'rejected_number'],
    ['a barred account (8)', vonageError('8', 'Partner Account Barred'), 'permanent', true],
    ['no credit (9)', vonageError('9', 'Partner Quota Exceeded'), 'permanent', true],
    ['a wrong signature (14)', vonageError('14', 'Invalid Signature'), 'permanent', true],
    ['a sender not allowed there (15)', vonageError('15', 'Illegal Sender Address - rejected'), 'permanent'],
    ['a demo account destination (29)', vonageError('29', 'Non-Whitelisted Destination'), 'rejected_number'],
    ['a de-activated number (33)', vonageError('33', 'Number De-activated'), 'rejected_number'],
    ['an HTTP 429', { status: 429, body: '' }, 'transient'],
    ['an HTTP 500', { status: 500, body: 'oops' }, 'transient'],
    ['a 200 that is not Vonage JSON', { status: 200, body: '<html></html>' }, 'transient'],
  ];
  for (const [title, reply, outcome, providerFault] of cases) {
    it(`classifies ${title}`, async () => {
      api.replyNext(reply);
      const result = await send(provider());
      assert.equal(result.outcome, outcome, JSON.stringify(result));
      if (result.outcome !== 'accepted') assert.equal(result.providerFault, providerFault);
    });
  }

  it('takes the first part id of a long message, and the first failing part decides', async () => {
    const ok = (id: string) => ({ to: '14155552671', 'message-id': id, status: '0' });
    api.replyNext(vonageAnswer(ok('0A01'), ok('0A02')));
    assert.equal(((await send(provider())) as { providerMessageId: string }).providerMessageId, '0A01');
    api.replyNext(vonageAnswer(ok('0A03'), { status: '9', 'error-text': 'Partner Quota Exceeded' }));
    const partial = await send(provider());
    assert.equal(partial.outcome, 'permanent');
    assert.equal((partial as { errorCode: string }).errorCode, '9');
  });

  it('refuses a body over 3,200 characters and a message without a sender, calling nothing', async () => {
    const before = api.requests.length;
    assert.equal((await send(provider(), sms({ body: 'x'.repeat(3201) }))).outcome, 'permanent');
    assert.equal((await send(provider(), sms({ from: null }))).outcome, 'permanent');
    assert.equal(api.requests.length, before);
    assert.equal((await send(provider({ from: 'Acme' }), sms({ from: null }))).outcome, 'accepted');
  });

  it('is configured from OTPLINE_VONAGE_* variables', () => {
    const env = {
      OTPLINE_PROVIDER: 'vonage',
      OTPLINE_VONAGE_API_KEY: 'abcd1234',
      OTPLINE_VONAGE_SIGNATURE_SECRET: 'vonage-signature-secret-0123',
      OTPLINE_VONAGE_SIGNATURE_METHOD: 'sha512',
      OTPLINE_VONAGE_RECEIPT_METHOD: 'GET',
    };
    assert.deepEqual(loadConfig({ env }).provider.vonage, {
      apiKey: 'abcd1234',
      signatureSecret: 'vonage-signature-secret-0123',
      signatureMethod: 'sha512',
      receiptMethod: 'GET',
      baseUrl: 'https://rest.nexmo.com',
      timeoutMs: 10000,
    });
    assert.throws(
      () => loadConfig({ env: { ...env, OTPLINE_VONAGE_SIGNATURE_METHOD: 'sha3' } }),
      /signatureMethod/,
    );
  });
});
