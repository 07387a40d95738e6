import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { infobipDriver } from '../../src/providers/infobip/index.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import {
  type CannedReply,
  FakeHttpApi,
  type HttpApiModel,
  type RecordedRequest,
} from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const API_KEY = 'infobip-api-key-0123456789abcdef';
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/infobip';

interface V3Message {
  sender?: string;
  destinations?: Array<{ to?: string }>;
  content?: { text?: string };
  webhooks?: { delivery?: { url?: string }; contentType?: string };
}

/** The v3 error body, as the official clients' tests show it. */
const apiError = (
  status: number,
  errorCode: string,
  description: string,
  violations: unknown[] = [],
): CannedReply => ({
  status,
  body: JSON.stringify({ errorCode, description, action: 'Check the request.', violations, resources: [] }),
});
/** A 200 whose message carries a status other than PENDING. */
const statusReply = (groupName: string, id: number, name: string, description: string): CannedReply => ({
  status: 200,
  body: JSON.stringify({
    bulkId: 'bulk-1',
    messages: [
      {
        messageId: 'm-rejected',
        status: { groupId: 5, groupName, id, name, description },
        destination: '14155552671',
      },
    ],
  }),
});

/**
 * Infobip's SMS API v3 as "Send SMS message" and the official clients' tests show it: POST
 * /sms/3/messages, `Authorization: App <key>`, JSON `{messages: [{sender, destinations: [{to}],
 * content: {text}, webhooks: {delivery: {url}, contentType}}]}`, answered 200 with `{bulkId,
 * messages: [{messageId, status: {groupId, groupName, id, name, description}, destination}]}`.
 */
const infobipApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    if (request.method !== 'POST' || request.path !== '/sms/3/messages')
      return apiError(404, 'E404', 'Not found');
    if (request.headers.authorization !== `App ${API_KEY}`)
      return {
        status: 401,
        body: JSON.stringify({
          requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } },
        }),
      };
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return apiError(415, 'E415', 'Unsupported media type');
    const violation = (property: string, text: string) =>
      apiError(400, 'E400', 'Request cannot be processed.', [{ property, violation: text }]);
    let messages: V3Message[];
    try {
      messages = (JSON.parse(request.raw) as { messages: V3Message[] }).messages;
    } catch {
      return apiError(400, 'E400', 'Request cannot be processed.');
    }
    if (!Array.isArray(messages) || messages.length === 0) return violation('messages', 'must not be empty');
    for (const [i, m] of messages.entries()) {
      const to = m.destinations?.[0]?.to;
      if (!to) return violation(`messages[${i}].destinations[0].to`, 'must not be blank');
      if (!/^\d{7,15}$/.test(to))
        return violation(`messages[${i}].destinations[0].to`, 'invalid destination address');
      if (!m.content?.text) return violation(`messages[${i}].content.text`, 'must not be blank');
      const hook = m.webhooks;
      if (hook && !/^https?:\/\//.test(hook.delivery?.url ?? ''))
        return violation(`messages[${i}].webhooks.delivery.url`, 'invalid URL');
      if (hook && !['application/json', 'application/xml'].includes(hook.contentType ?? ''))
        return violation(`messages[${i}].webhooks.contentType`, 'invalid');
    }
    return undefined;
  },
  read(request) {
    const [m] = (JSON.parse(request.raw) as { messages: V3Message[] }).messages;
    return { to: `+${m?.destinations?.[0]?.to}`, body: String(m?.content?.text) };
  },
  reply(answer, n) {
    const id = `2250be2d4219-3af1-78856-aabe-${n}`;
    if (answer === 'accept')
      return {
        status: 200,
        body: JSON.stringify({
          bulkId: `bulk-${n}`,
          messages: [
            {
              messageId: id,
              status: {
                groupId: 1,
                groupName: 'PENDING',
                id: 26,
                name: 'PENDING_ACCEPTED',
                description: 'Message sent to next instance',
              },
              destination: '14155552671',
              details: { messageCount: 1 },
            },
          ],
        }),
        id,
      };
    if (answer === 'throttle') return apiError(429, 'E429', 'Too many requests');
    if (answer === 'server_error') return apiError(500, 'E500', 'Something went wrong.');
    return apiError(400, 'E400', 'Request cannot be processed.', [
      { property: 'messages[0].sender', violation: 'invalid' },
    ]);
  },
};

providerContract({
  driver: infobipDriver,
  fake: () => FakeHttpApi.start(infobipApi),
  settings: (api) => ({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 400 }),
  context: () => ({ receiptUrl: RECEIPT_URL }),
  timeoutMs: 400,
});

const context = { logger: createLogger('silent'), stdout: { write: () => true }, receiptUrl: RECEIPT_URL };
const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
  id: 'msg_1',
  to: '+14155552671',
  from: null,
  body: 'Your code is 123456',
  country: 'US',
  idempotencyKey: 'idem-1',
  ...over,
});

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

  it('asks for no report without a receipt URL, and prefers the configured sender', async () => {
    const quiet = infobipDriver.create(
      { apiKey: API_KEY, baseUrl: api.url, from: 'OTPLINE', timeoutMs: 2000 },
      { ...context, receiptUrl: undefined },
    );
    try {
      assert.equal(
        (await quiet.send(sms({ from: 'InfoSMS' }), AbortSignal.timeout(5000))).outcome,
        'accepted',
      );
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

  const cases: Array<[string, CannedReply, string, string, boolean?]> = [
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

describe('infobip delivery reports', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  let reportUrl: URL;
  const report = (
    groupName: string,
    name: string,
    error = { name: 'NO_ERROR', description: 'No Error' },
  ) => ({
    results: [
      {
        bulkId: 'bulk-1',
        messageId: 'm-1',
        to: '14155552671',
        sentAt: '2019-11-09T16:00:00.000+0000',
        doneAt: '2019-11-09T16:00:05.123+0000',
        messageCount: 1,
        price: { pricePerMessage: 0.01, currency: 'EUR' },
        status: { groupId: 3, groupName, id: 5, name, description: `${name} text` },
        error: { groupId: 0, groupName: 'OK', id: 0, permanent: false, ...error },
      },
    ],
  });
  const callback = (body: unknown, url = reportUrl): ReceiptRequest => ({
    url: url.href,
    headers: { 'content-type': 'application/json' },
    query: Object.fromEntries(url.searchParams),
    body,
    rawBody: JSON.stringify(body),
  });

  before(async () => {
    api = await FakeHttpApi.start(infobipApi);
    provider = infobipDriver.create({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 2000 }, context);
    await provider.send(sms(), AbortSignal.timeout(5000));
    const [message] = (JSON.parse(api.requests.at(-1)?.raw ?? '') as { messages: V3Message[] }).messages;
    reportUrl = new URL(String(message?.webhooks?.delivery?.url));
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it("takes a DELIVERED report at the URL it asked for, with Infobip's time", async () => {
    assert.deepEqual(await provider.receipts?.handle(callback(report('DELIVERED', 'DELIVERED_TO_HANDSET'))), {
      receipts: [
        {
          providerMessageId: 'm-1',
          status: 'delivered',
          detail: 'DELIVERED_TO_HANDSET: DELIVERED_TO_HANDSET text',
          at: Date.UTC(2019, 10, 9, 16, 0, 5, 123),
        },
      ],
      reply: { status: 200 },
    });
  });

  it('takes UNDELIVERABLE, EXPIRED and REJECTED as undelivered, with the error', async () => {
    const outcome = await provider.receipts?.handle(
      callback(
        report('UNDELIVERABLE', 'UNDELIVERABLE_NOT_DELIVERED', {
          name: 'EC_ABSENT_SUBSCRIBER',
          description: 'Absent subscriber',
        }),
      ),
    );
    assert.deepEqual(
      outcome?.receipts.map((r) => [r.status, r.detail]),
      [
        [
          'undelivered',
          'UNDELIVERABLE_NOT_DELIVERED: UNDELIVERABLE_NOT_DELIVERED text; EC_ABSENT_SUBSCRIBER: Absent subscriber',
        ],
      ],
    );
    for (const [group, name] of [
      ['EXPIRED', 'EXPIRED_EXPIRED'],
      ['REJECTED', 'REJECTED_NETWORK'],
    ] as const)
      assert.equal(
        (await provider.receipts?.handle(callback(report(group, name))))?.receipts[0]?.status,
        'undelivered',
      );
    assert.deepEqual(
      (await provider.receipts?.handle(callback(report('PENDING', 'PENDING_ENROUTE'))))?.receipts,
      [],
    );
  });

  it('refuses a report without the token, or with a wrong one', async () => {
    for (const token of [null, 'not-the-token', '']) {
      const url = new URL(RECEIPT_URL);
      if (token !== null) url.searchParams.set('token', token);
      const outcome = await provider.receipts?.handle(
        callback(report('DELIVERED', 'DELIVERED_TO_HANDSET'), url),
      );
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 403]);
    }
  });

  it('takes a configured token instead of the derived one', async () => {
    const own = infobipDriver.create(
      { apiKey: API_KEY, baseUrl: api.url, receiptToken: 'operator-chosen-token-123', timeoutMs: 2000 },
      context,
    );
    const url = new URL(`${RECEIPT_URL}?token=operator-chosen-token-123`);
    assert.equal(
      (await own.receipts?.handle(callback(report('DELIVERED', 'DELIVERED_TO_HANDSET'), url)))?.receipts
        .length,
      1,
    );
    assert.equal(
      (await own.receipts?.handle(callback(report('DELIVERED', 'DELIVERED_TO_HANDSET'))))?.reply.status,
      403,
    );
    await own.stop?.();
  });

  it('refuses a body without results', async () => {
    assert.equal((await provider.receipts?.handle(callback({ foo: 1 })))?.reply.status, 400);
  });
});
