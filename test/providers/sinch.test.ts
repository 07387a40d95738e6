import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { sinchDriver } from '../../src/providers/sinch/index.js';
import type { OutgoingSms, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi, type FakeReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { PLAN, RECEIPT_URL, SECRET, sinchApi, sinchError, type TextBatch, TOKEN } from './fakes/sinch-api.js';

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

const context = driverContext(RECEIPT_URL);
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: '+12025550123', ...over });

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

  it('asks for no reports without a callback secret; the configured sender when the message names none', async () => {
    const quiet = sinchDriver.create({ ...settings(), from: 'OTPLINE' }, context);
    try {
      assert.equal((await quiet.send(sms({ from: null }), AbortSignal.timeout(5000))).outcome, 'accepted');
      assert.deepEqual(lastBatch(), { to: ['+14155552671'], body: 'Your code is 123456', from: 'OTPLINE' });
      await quiet.send(sms(), AbortSignal.timeout(5000));
      assert.equal(lastBatch().from, '+12025550123', "the message's own sender first");
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

  const cases: Array<[FakeReply, string, boolean?]> = [
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
