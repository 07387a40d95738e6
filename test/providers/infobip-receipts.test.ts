import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { infobipDriver } from '../../src/providers/infobip/index.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import { driverContext, testSms } from '../helpers/driver-test.js';
import { FakeHttpApi } from '../helpers/fake-http-api.js';
import { API_KEY, infobipApi, RECEIPT_URL, type V3Message } from './fakes/infobip-api.js';

/** How receipt-kit acknowledges a receipt. */
const ACK = { status: 200, body: '', contentType: 'text/plain' };
const context = driverContext(RECEIPT_URL);
const sms = (over: Partial<OutgoingSms> = {}) => testSms({ from: null, ...over });

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
      reply: ACK,
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
