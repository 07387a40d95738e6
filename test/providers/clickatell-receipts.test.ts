import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickatellDriver } from '../../src/providers/clickatell/index.js';
import type { ReceiptRequest } from '../../src/providers/types.js';
import { driverContext } from '../helpers/driver-test.js';
import { API_KEY, RECEIPT_TOKEN } from './fakes/clickatell-api.js';

/** How receipt-kit acknowledges a receipt. */
const ACK = { status: 200, body: '', contentType: 'text/plain' };
const context = driverContext();

describe('clickatell delivery receipts', () => {
  const route = clickatellDriver.create(
    { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9', receiptToken: RECEIPT_TOKEN, timeoutMs: 1000 },
    context,
  ).receipts;
  const callback = (
    body: unknown,
    query: Record<string, string> = { token: RECEIPT_TOKEN },
  ): ReceiptRequest => ({
    url: `https://otpline.example/gateway/receipts/clickatell?token=${query.token ?? ''}`,
    headers: { 'content-type': 'application/json' },
    query,
    body,
    rawBody: JSON.stringify(body),
  });
  // The One API's status callback: one event per request for now, times in milliseconds.
  const oneApiStatus = (statusCode: number, status: string) => ({
    integrationId: 'a1b2',
    integrationName: 'otpline',
    event: {
      messageStatusUpdate: [
        {
          channel: 'sms',
          messageId: 'fd496adebb6e422587368077937cfb5d',
          clientMessageId: '',
          statusCode,
          status,
          timestamp: 1736760161000,
        },
      ],
    },
  });

  it("is a POST route at the driver's receipt URL", () => {
    assert.equal(route?.method, 'POST');
    assert.equal(route?.path, '/');
  });

  it('takes a delivery (5 DEVICE_ACK) with the right token', async () => {
    const outcome = await route?.handle(callback(oneApiStatus(5, 'DEVICE_ACK')));
    assert.deepEqual(outcome, {
      receipts: [
        {
          providerMessageId: 'fd496adebb6e422587368077937cfb5d',
          status: 'delivered',
          detail: '5 DEVICE_ACK',
          at: 1736760161000,
        },
      ],
      reply: ACK,
    });
  });

  it('takes failures (23 DELIVERY_FAILURE, 20 EXPIRED, 100 ROUTING_ERROR) as undelivered', async () => {
    for (const [code, name] of [
      [23, 'DELIVERY_FAILURE'],
      [20, 'EXPIRED'],
      [100, 'ROUTING_ERROR'],
    ] as const) {
      const outcome = await route?.handle(callback(oneApiStatus(code, name)));
      assert.equal(outcome?.receipts[0]?.status, 'undelivered', name);
      assert.equal(outcome?.receipts[0]?.detail, `${code} ${name}`);
    }
  });

  it('acknowledges intermediate statuses (4 SENT_TO_SUPPLIER) without a receipt', async () => {
    assert.deepEqual(await route?.handle(callback(oneApiStatus(4, 'SENT_TO_SUPPLIER'))), {
      receipts: [],
      reply: ACK,
    });
  });

  it("takes the SMS integration's flat callback too", async () => {
    const outcome = await route?.handle(
      callback({
        integrationName: 'otpline',
        messageId: 'abc123',
        requestId: 'r1',
        clientMessageId: '',
        to: '14155552671',
        from: '',
        statusCode: 23,
        status: 'DELIVERY_FAILURE',
        statusDescription: 'Error delivering message',
        timestamp: '1736760161000',
      }),
    );
    assert.deepEqual(outcome?.receipts, [
      {
        providerMessageId: 'abc123',
        status: 'undelivered',
        detail: '23 DELIVERY_FAILURE Error delivering message',
        at: 1736760161000,
      },
    ]);
  });

  it('refuses a callback without the token, or with a wrong one', async () => {
    for (const query of [{}, { token: 'guessed-token-000000000000' }, { token: '' }] as Record<
      string,
      string
    >[]) {
      const outcome = await route?.handle(callback(oneApiStatus(5, 'DEVICE_ACK'), query));
      assert.deepEqual(outcome?.receipts, []);
      assert.equal(outcome?.reply.status, 403);
      assert.ok(!String(outcome?.reply.body).includes(RECEIPT_TOKEN));
    }
  });

  it('refuses a body that is not a JSON callback', async () => {
    const outcome = await route?.handle({ ...callback(null), body: 'status=5' });
    assert.equal(outcome?.reply.status, 400);
  });
});
