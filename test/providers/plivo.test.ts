import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createPlivoProvider, plivoDriver } from '../../src/providers/plivo/index.js';
import type { OutgoingSms, SendOutcome, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi, type ScriptedReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { plivoApi, plivoError } from './fakes/plivo-api.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/plivo';

providerContract({
  driver: plivoDriver,
  fake: () => FakeHttpApi.start(plivoApi(AUTH_ID, AUTH_TOKEN)),
  settings: (api) => ({ authId: AUTH_ID, authToken: AUTH_TOKEN, baseUrl: api.url, timeoutMs: 1000 }),
  timeoutMs: 1000,
});

describe('the plivo driver', () => {
  let api: FakeHttpApi;
  const providers: SmsProvider[] = [];
  const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
    id: 'msg_plivo_1',
    to: '+14155552671',
    from: '+14155550100',
    body: 'Your code is 123456',
    country: 'US',
    idempotencyKey: 'idem-1',
    ...over,
  });
  const provider = (over: Record<string, unknown> = {}) => {
    const settings = { authId: AUTH_ID, authToken: AUTH_TOKEN, baseUrl: api.url, timeoutMs: 2000, ...over };
    const context = { logger: createLogger('silent'), stdout: process.stdout, receiptUrl: RECEIPT_URL };
    const created = createPlivoProvider(settings, context);
    providers.push(created);
    return created;
  };
  const send = (p: SmsProvider, message = sms()) => p.send(message, AbortSignal.timeout(5000));
  const lastJson = () => JSON.parse(api.requests.at(-1)?.raw ?? '{}');

  before(async () => {
    api = await FakeHttpApi.start(plivoApi(AUTH_ID, AUTH_TOKEN));
  });
  after(async () => {
    for (const p of providers) await p.stop?.();
    await api.close();
  });

  it('POSTs src, dst, text and the status url as JSON, with Basic Auth ID:token, to the account path', async () => {
    const result = await send(provider());
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: '6da4afba-2bcf-4a87-9eff-000000000001',
      statusCode: '202',
    });
    const request = api.requests.at(-1);
    assert.equal(request?.path, `/v1/Account/${AUTH_ID}/Message/`);
    assert.equal(
      request?.headers.authorization,
      `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    assert.deepEqual(lastJson(), {
      src: '+14155550100',
      dst: '+14155552671',
      text: 'Your code is 123456',
      type: 'sms',
      url: RECEIPT_URL,
      method: 'POST',
    });
    assert.deepEqual(api.refusals, []);
  });

  it('falls back to the configured sender, and sends nothing without one', async () => {
    await send(provider({ from: 'ACME' }), sms({ from: null }));
    assert.equal(lastJson().src, 'ACME');
    const before = api.requests.length;
    assert.equal((await send(provider(), sms({ from: null }))).outcome, 'permanent');
    assert.equal(api.requests.length, before);
  });

  it('takes itself out of rotation when Plivo refuses its credentials (401)', async () => {
    const result = await send(provider({ authToken: 'not-the-plivo-token' }));
    assert.deepEqual(result, {
      outcome: 'permanent',
      statusCode: '401',
      detail: 'Plivo: authentication credentials invalid (HTTP 401)',
      providerFault: true,
    });
  });

  it('rejects a destination Plivo says is not a valid phone number', async () => {
    const result = await send(provider(), sms({ to: '222222' }));
    assert.equal(result.outcome, 'rejected_number');
    assert.match((result as { detail: string }).detail, /222222 is not a valid phone number/);
  });

  const cases: Array<[string, ScriptedReply, SendOutcome, boolean?]> = [
    ['insufficient credit', plivoError(400, 'Insufficient Credit'), 'permanent', true],
    ['a disabled account (403)', plivoError(403, 'account disabled'), 'permanent', true],
    ['an unknown Auth ID (404)', plivoError(404, 'not found'), 'permanent', true],
    ['throttling (429)', plivoError(429, 'too many requests'), 'transient'],
    ['a server error (502)', { status: 502, body: 'Bad Gateway', contentType: 'text/plain' }, 'transient'],
    ['another refusal (400)', plivoError(400, 'text parameter is empty'), 'permanent'],
    [
      'a 202 that lists the destination as invalid',
      {
        status: 202,
        body: JSON.stringify({
          api_id: 'x',
          message: 'message(s) queued',
          message_uuid: [],
          invalid_number: ['1415'],
        }),
      },
      'rejected_number',
    ],
  ];
  for (const [title, reply, outcome, providerFault] of cases) {
    it(`classifies ${title}`, async () => {
      api.replyNext(reply);
      const result = await send(provider());
      assert.equal(result.outcome, outcome, JSON.stringify(result));
      if (result.outcome !== 'accepted') assert.equal(result.providerFault, providerFault);
    });
  }

  it('refuses a body over 1,600 characters without calling Plivo', async () => {
    const before = api.requests.length;
    assert.equal((await send(provider(), sms({ body: 'x'.repeat(1601) }))).outcome, 'permanent');
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_PLIVO_* variables', () => {
    const env = {
      OTPLINE_PROVIDER: 'plivo',
      OTPLINE_PLIVO_AUTH_ID: AUTH_ID,
      OTPLINE_PLIVO_AUTH_TOKEN: AUTH_TOKEN,
    };
    assert.deepEqual(loadConfig({ env }).provider.plivo, {
      authId: AUTH_ID,
      authToken: AUTH_TOKEN,
      baseUrl: 'https://api.plivo.com',
      timeoutMs: 10000,
    });
    assert.throws(
      () => loadConfig({ env: { ...env, OTPLINE_PLIVO_AUTH_TOKEN: undefined } }),
      /OTPLINE_PLIVO_AUTH_TOKEN/,
    );
  });
});
