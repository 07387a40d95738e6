import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMessageBirdProvider, messageBirdDriver } from '../../src/providers/messagebird/index.js';
import type { OutgoingSms, SendOutcome, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi, type ScriptedReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { messageBirdApi, messageBirdError } from './fakes/messagebird-api.js';

const ACCESS_KEY = 'live_messagebird_access_key_0123';
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/messagebird';

providerContract({
  driver: messageBirdDriver,
  fake: () => FakeHttpApi.start(messageBirdApi(ACCESS_KEY)),
  settings: (api) => ({ accessKey: ACCESS_KEY, baseUrl: api.url, timeoutMs: 1000 }),
  timeoutMs: 1000,
});

describe('the messagebird driver', () => {
  let api: FakeHttpApi;
  const providers: SmsProvider[] = [];
  const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
    id: 'msg_bird_1',
    to: '+31612345678',
    from: 'Acme',
    body: 'Your code is 123456',
    country: 'NL',
    idempotencyKey: 'idem-1',
    ...over,
  });
  const provider = (over: Record<string, unknown> = {}) => {
    const settings = { accessKey: ACCESS_KEY, baseUrl: api.url, timeoutMs: 2000, ...over };
    const context = { logger: createLogger('silent'), stdout: process.stdout, receiptUrl: RECEIPT_URL };
    const created = createMessageBirdProvider(settings, context);
    providers.push(created);
    return created;
  };
  const send = (p: SmsProvider, message = sms()) => p.send(message, AbortSignal.timeout(5000));
  const lastJson = () => JSON.parse(api.requests.at(-1)?.raw ?? '{}');

  before(async () => {
    api = await FakeHttpApi.start(messageBirdApi(ACCESS_KEY));
  });
  after(async () => {
    for (const p of providers) await p.stop?.();
    await api.close();
  });

  it('POSTs originator, recipients, body, reference and reportUrl with an AccessKey', async () => {
    const result = await send(provider());
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: `${'e'.repeat(31)}1`,
      statusCode: '201',
    });
    const request = api.requests.at(-1);
    assert.equal(request?.path, '/messages');
    assert.equal(request?.headers.authorization, `AccessKey ${ACCESS_KEY}`);
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(lastJson(), {
      originator: 'Acme',
      recipients: ['31612345678'],
      body: 'Your code is 123456',
      reference: 'msg_bird_1',
      datacoding: 'plain',
      reportUrl: RECEIPT_URL,
    });
    assert.deepEqual(api.refusals, []);
  });

  it('sends text outside GSM-7 with datacoding unicode, and falls back to the configured originator', async () => {
    await send(provider({ originator: '+3197010203040' }), sms({ body: 'Código 123456 🔐', from: null }));
    assert.equal(lastJson().datacoding, 'unicode');
    assert.equal(lastJson().originator, '+3197010203040');
    const none = await send(provider(), sms({ from: null }));
    assert.equal(none.outcome, 'permanent');
  });

  it('takes itself out of rotation when MessageBird refuses the access key (code 2)', async () => {
    const result = await send(provider({ accessKey: 'live_wrong_access_key_9999' }));
    assert.deepEqual(result, {
      outcome: 'permanent',
      statusCode: '401',
      errorCode: '2',
      detail: 'MessageBird 2: Request not allowed (incorrect access_key) (access_key) (HTTP 401)',
      providerFault: true,
    });
  });

  it('rejects the number when MessageBird finds no correct recipient, as the fake checks', async () => {
    const result = await send(provider(), sms({ to: '+3161' }));
    assert.equal(result.outcome, 'rejected_number');
    assert.equal(result.outcome === 'rejected_number' && result.errorCode, '10');
  });

  const cases: Array<[string, ScriptedReply, SendOutcome, boolean?]> = [
    ['not enough balance (25)', messageBirdError(402, 25, 'Not enough balance'), 'permanent', true],
    ['missing params (9)', messageBirdError(422, 9, 'no (correct) originator', 'originator'), 'permanent'],
    [
      'an invalid recipient (10)',
      messageBirdError(422, 10, 'no (correct) recipients found', 'recipients'),
      'rejected_number',
    ],
    [
      'another invalid param (10)',
      messageBirdError(422, 10, 'datacoding is invalid', 'datacoding'),
      'permanent',
    ],
    ['an internal error (99)', messageBirdError(500, 99, 'Internal error'), 'transient'],
    [
      'throttling (429)',
      { status: 429, body: '{"errors":[{"code":21,"description":"Too many requests"}]}' },
      'transient',
    ],
    [
      'a gateway timeout page (504)',
      { status: 504, body: 'Gateway Timeout', contentType: 'text/plain' },
      'transient',
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

  it('refuses a body of more than nine parts without calling MessageBird', async () => {
    const before = api.requests.length;
    assert.equal((await send(provider(), sms({ body: 'x'.repeat(153 * 9 + 1) }))).outcome, 'permanent');
    assert.equal(api.requests.length, before);
    assert.equal((await send(provider(), sms({ body: 'x'.repeat(153 * 9) }))).outcome, 'accepted');
  });

  it('is configured from OTPLINE_MESSAGEBIRD_* variables', () => {
    const env = {
      OTPLINE_PROVIDER: 'messagebird',
      OTPLINE_MESSAGEBIRD_ACCESS_KEY: ACCESS_KEY,
      OTPLINE_MESSAGEBIRD_ORIGINATOR: 'Acme',
      OTPLINE_MESSAGEBIRD_SIGNING_KEY: 'signing-key-0123456789',
    };
    assert.deepEqual(loadConfig({ env }).provider.messagebird, {
      accessKey: ACCESS_KEY,
      originator: 'Acme',
      signingKey: 'signing-key-0123456789',
      baseUrl: 'https://rest.messagebird.com',
      timeoutMs: 10000,
    });
  });
});
