import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { clickatellLegacyDriver } from '../../src/providers/clickatell-legacy/index.js';
import type { OutgoingSms, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { API_ID, legacyApi, PASSWORD, RECEIPT_TOKEN, text, USER } from './fakes/clickatell-legacy-api.js';

providerContract({
  driver: clickatellLegacyDriver,
  fake: () => FakeHttpApi.start(legacyApi),
  settings: (api) => ({ user: USER, password: PASSWORD, apiId: API_ID, baseUrl: api.url, timeoutMs: 400 }),
  timeoutMs: 400,
});

const context = driverContext();
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: null, ...over });

describe('the clickatell-legacy driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const settings = () => ({
    user: USER,
    password: PASSWORD,
    apiId: API_ID,
    baseUrl: api.url,
    timeoutMs: 2000,
  });
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));
  const lastForm = () => Object.fromEntries(new URLSearchParams(api.requests.at(-1)?.raw ?? ''));

  before(async () => {
    api = await FakeHttpApi.start(legacyApi);
    provider = clickatellLegacyDriver.create(settings(), context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('POSTs http/sendmsg as a form, credentials in the body, the number without "+"', async () => {
    const result = await send();
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '200',
    });
    assert.equal(api.requests.at(-1)?.path, '/http/sendmsg');
    assert.deepEqual(lastForm(), {
      user: USER,
      password: PASSWORD,
      api_id: API_ID,
      to: '14155552671',
      text: 'Your code is 123456',
    });
  });

  it("passes the message's sender, else the configured one", async () => {
    await send({ from: '+15550001111' });
    assert.equal(lastForm().from, '15550001111');
    const withFrom = clickatellLegacyDriver.create({ ...settings(), from: 'OTPLINE' }, context);
    try {
      await withFrom.send(sms({ from: '+15550001111' }), AbortSignal.timeout(5000));
      assert.equal(lastForm().from, '15550001111');
      await withFrom.send(sms({ from: null }), AbortSignal.timeout(5000));
      assert.equal(lastForm().from, 'OTPLINE');
    } finally {
      await withFrom.stop?.();
    }
  });

  it('sends text beyond ASCII as unicode=1, UCS-2 hex, with concat for long ones', async () => {
    assert.equal((await send({ body: 'Código: 123456 🔐' })).outcome, 'accepted');
    assert.equal(lastForm().unicode, '1');
    assert.equal(lastForm().text, '004300F3006400690067006F003A00200031003200330034003500360020D83DDD10');
    assert.equal(api.received.at(-1)?.body, 'Código: 123456 🔐');
    assert.equal(lastForm().concat, undefined);
    assert.equal((await send({ body: 'é'.repeat(140) })).outcome, 'accepted');
    assert.equal(lastForm().concat, '3');
    assert.equal((await send({ body: 'a'.repeat(400) })).outcome, 'accepted');
    assert.deepEqual([lastForm().unicode, lastForm().concat], [undefined, '3']);
  });

  it('asks for final and error status callbacks only when receipts are set up', async () => {
    assert.equal(lastForm().callback, undefined);
    const withReceipts = clickatellLegacyDriver.create(
      { ...settings(), receiptToken: RECEIPT_TOKEN },
      context,
    );
    try {
      await withReceipts.send(sms(), AbortSignal.timeout(5000));
      assert.equal(lastForm().callback, '6');
    } finally {
      await withReceipts.stop?.();
    }
  });

  it('takes a wrong password (ERR 001) as a provider-wide fault, the password in no detail', async () => {
    const wrong = clickatellLegacyDriver.create({ ...settings(), password: 'wrong-password-98765' }, context);
    try {
      const result = await wrong.send(sms(), AbortSignal.timeout(5000));
      assert.deepEqual(result, {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '200',
        errorCode: '001',
        detail: 'Clickatell ERR 001: Authentication failed',
      });
    } finally {
      await wrong.stop?.();
    }
  });

  const cases: Array<[string, string, boolean?]> = [
    ['ERR: 105, Invalid destination address', 'rejected_number'],
    ['ERR: 114, Cannot route message', 'rejected_number'],
    ['ERR: 121, Destination mobile number blocked', 'rejected_number'],
    ['ERR: 122, Destination mobile opted out', 'rejected_number'],
    ['ERR: 128, Number delisted', 'rejected_number'],
    ['ERR: 301, No credit left', 'permanent', true],
    ['ERR: 007, IP Lockdown violation', 'permanent', true],
    ['ERR: 130, Maximum MT limit exceeded until 1736760161', 'permanent', true],
    ['ERR: 0004, Account frozen', 'permanent', true],
    ['ERR: 901, Internal error', 'transient'],
    ['ERR: 113, Maximum message parts exceeded', 'permanent'],
    ['ERR: 123, Invalid Sender ID', 'permanent'],
  ];
  for (const [answer, outcome, providerFault] of cases) {
    it(`classifies "${answer}" as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(text(answer));
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.equal(result.outcome, outcome);
      assert.equal(result.providerFault, providerFault);
      assert.equal(result.errorCode, /ERR: (\d+)/.exec(answer)?.[1]);
      assert.equal(result.detail, `Clickatell ${answer.replace(/^ERR: (\d+), /, 'ERR $1: ')}`);
    });
  }

  it('retries a 200 that is neither ID nor ERR: the message may or may not have gone', async () => {
    api.replyNext(text('<html>maintenance</html>'));
    assert.equal((await send()).outcome, 'transient');
  });

  it('refuses a body over 35 segments before calling Clickatell', async () => {
    const before = api.requests.length;
    const result = await send({ body: 'ж'.repeat(67 * 35 + 1) });
    assert.deepEqual(result, {
      outcome: 'permanent',
      detail: 'message too long for Clickatell: UCS-2 in 36 segments, at most 35',
    });
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_CLICKATELL_LEGACY_*', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'clickatell-legacy',
        OTPLINE_CLICKATELL_LEGACY_USER: USER,
        OTPLINE_CLICKATELL_LEGACY_PASSWORD: PASSWORD,
        OTPLINE_CLICKATELL_LEGACY_API_ID: API_ID,
        OTPLINE_CLICKATELL_LEGACY_FROM: 'OTPLINE',
      },
    });
    assert.deepEqual(config.provider['clickatell-legacy'], {
      user: USER,
      password: PASSWORD,
      apiId: API_ID,
      from: 'OTPLINE',
      baseUrl: 'https://api.clickatell.com',
      timeoutMs: 10000,
    });
  });
});
