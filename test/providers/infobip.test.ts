import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { infobipDriver } from '../../src/providers/infobip/index.js';
import type { OutgoingSms, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi, type FakeReply } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import {
  API_KEY,
  apiError,
  infobipApi,
  RECEIPT_URL,
  statusReply,
  type V3Message,
} from './fakes/infobip-api.js';

providerContract({
  driver: infobipDriver,
  fake: () => FakeHttpApi.start(infobipApi),
  settings: (api) => ({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 400 }),
  context: () => ({ receiptUrl: RECEIPT_URL }),
  timeoutMs: 400,
});

const context = driverContext(RECEIPT_URL);
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: null, ...over });

describe('the infobip driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));
  const lastMessage = () =>
    (JSON.parse(api.requests.at(-1)?.raw ?? '') as { messages: V3Message[] }).messages[0];

  before(async () => {
    api = await FakeHttpApi.start(infobipApi);
    provider = infobipDriver.create({ apiKey: API_KEY, baseUrl: `${api.url}/`, timeoutMs: 2000 }, context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('POSTs /sms/3/messages with App auth, the number without "+", and a report URL with its token', async () => {
    const result = await send({ from: 'InfoSMS' });
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '200',
    });
    const request = api.requests.at(-1);
    assert.equal(request?.path, '/sms/3/messages');
    assert.equal(request?.headers.authorization, `App ${API_KEY}`);
    assert.equal(request?.headers.accept, 'application/json');
    const message = lastMessage();
    const reportUrl = new URL(String(message?.webhooks?.delivery?.url));
    assert.equal(`${reportUrl.origin}${reportUrl.pathname}`, RECEIPT_URL);
    assert.match(reportUrl.searchParams.get('token') ?? '', /^[\w-]{43}$/);
    assert.ok(!reportUrl.href.includes(API_KEY), 'the token is not the key');
    assert.deepEqual(message, {
      destinations: [{ to: '14155552671' }],
      content: { text: 'Your code is 123456' },
      sender: 'InfoSMS',
      webhooks: { delivery: { url: reportUrl.href }, contentType: 'application/json' },
    });
  });

  it('asks for no report without a receipt URL; the configured sender when the message names none', async () => {
    const quiet = infobipDriver.create(
      { apiKey: API_KEY, baseUrl: api.url, from: 'OTPLINE', timeoutMs: 2000 },
      { ...context, receiptUrl: undefined },
    );
    try {
      assert.equal((await quiet.send(sms({ from: null }), AbortSignal.timeout(5000))).outcome, 'accepted');
      assert.deepEqual(lastMessage(), {
        destinations: [{ to: '14155552671' }],
        content: { text: 'Your code is 123456' },
        sender: 'OTPLINE',
      });
    } finally {
      await quiet.stop?.();
    }
  });

  it('takes a wrong key (401 UNAUTHORIZED) as a provider-wide fault', async () => {
    const wrong = infobipDriver.create(
      { apiKey: 'some-other-api-key', baseUrl: api.url, timeoutMs: 2000 },
      context,
    );
    try {
      assert.deepEqual(await wrong.send(sms(), AbortSignal.timeout(5000)), {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '401',
        errorCode: 'UNAUTHORIZED',
        detail: 'Infobip UNAUTHORIZED: Invalid login details',
      });
    } finally {
      await wrong.stop?.();
    }
  });

  const cases: Array<[string, FakeReply, string, string, boolean?]> = [
    [
      'REJECTED_DESTINATION',
      statusReply('REJECTED', 14, 'REJECTED_DESTINATION', 'Destination blocked'),
      'REJECTED_DESTINATION',
      'rejected_number',
    ],
    [
      'REJECTED_PREFIX_MISSING',
      statusReply('REJECTED', 8, 'REJECTED_PREFIX_MISSING', 'Number prefix missing'),
      'REJECTED_PREFIX_MISSING',
      'rejected_number',
    ],
    [
      'REJECTED_DND',
      statusReply('REJECTED', 10, 'REJECTED_DND', 'Recipient on DND list'),
      'REJECTED_DND',
      'rejected_number',
    ],
    [
      'REJECTED_NOT_ENOUGH_CREDITS',
      statusReply('REJECTED', 12, 'REJECTED_NOT_ENOUGH_CREDITS', 'Not enough credits'),
      'REJECTED_NOT_ENOUGH_CREDITS',
      'permanent',
      true,
    ],
    [
      'REJECTED_FLOODING_FILTER',
      statusReply('REJECTED', 20, 'REJECTED_FLOODING_FILTER', 'Flooding filter'),
      'REJECTED_FLOODING_FILTER',
      'transient',
    ],
    [
      'REJECTED_SENDER',
      statusReply('REJECTED', 13, 'REJECTED_SENDER', 'Sender blocklisted'),
      'REJECTED_SENDER',
      'permanent',
    ],
    [
      'a 400 on the destination',
      apiError(400, 'E400', 'Request cannot be processed.', [
        { property: 'messages[0].destinations[0].to', violation: 'invalid' },
      ]),
      'E400',
      'rejected_number',
    ],
    ['a key without the SMS scope (403)', apiError(403, 'E403', 'Forbidden'), 'E403', 'permanent', true],
    ['an overloaded API (503)', apiError(503, 'E503', 'Service unavailable'), 'E503', 'transient'],
  ];
  for (const [title, reply, errorCode, outcome, providerFault] of cases) {
    it(`classifies ${title} as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(reply);
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.deepEqual(
        [result.outcome, result.providerFault, result.errorCode, result.statusCode],
        [outcome, providerFault, errorCode, String(reply.status)],
      );
    });
  }

  it('refuses a body over 10 segments before calling Infobip', async () => {
    const before = api.requests.length;
    assert.equal((await send({ body: 'y'.repeat(153 * 10 + 1) })).outcome, 'permanent');
    assert.equal(api.requests.length, before);
  });

  it("needs the account's base URL: there is no global default", () => {
    assert.throws(
      () => loadConfig({ env: { OTPLINE_PROVIDER: 'infobip', OTPLINE_INFOBIP_API_KEY: API_KEY } }),
      (err) =>
        err instanceof ConfigError &&
        err.message.includes('provider.infobip.baseUrl (OTPLINE_INFOBIP_BASE_URL) is required'),
    );
  });
});
