import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { clickatellDriver } from '../../src/providers/clickatell/index.js';
import type { OutgoingSms, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi, type FakeReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import {
  API_KEY,
  error,
  messageError,
  type OneApiMessage,
  oneApi,
  RECEIPT_TOKEN,
} from './fakes/clickatell-api.js';

providerContract({
  driver: clickatellDriver,
  fake: () => FakeHttpApi.start(oneApi),
  settings: (api) => ({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 400 }),
  timeoutMs: 400,
});

const context = driverContext();
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: 'Auth0', ...over });

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
      assert.equal(api.refusals.at(-1)?.reply.status, 401, 'the fake refused it as Clickatell would');
    } finally {
      await wrong.stop?.();
    }
  });

  // [what Clickatell answers, its error code, the outcome, a provider-wide fault]
  const cases: Array<[string, FakeReply, string | undefined, string, boolean?]> = [
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
