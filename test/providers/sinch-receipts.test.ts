import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sinchDriver } from '../../src/providers/sinch/index.js';
import { sinchReceipts } from '../../src/providers/sinch/receipts.js';
import type { ReceiptRequest } from '../../src/providers/types.js';
import { driverContext } from '../helpers/driver-test.js';
import { PLAN, RECEIPT_URL, SECRET, TOKEN } from './fakes/sinch-api.js';

/** How receipt-kit acknowledges a receipt. */
const ACK = { status: 200, body: '', contentType: 'text/plain' };
const context = driverContext(RECEIPT_URL);

describe('sinch delivery reports', () => {
  const route = sinchDriver.create(
    {
      servicePlanId: PLAN,
      apiToken: TOKEN,
      baseUrl: 'http://127.0.0.1:9',
      callbackSecret: SECRET,
      timeoutMs: 1000,
    },
    context,
  ).receipts;
  const report = (status: string, code: number) =>
    JSON.stringify({
      at: '2025-01-13T09:22:40.914Z',
      batch_id: '01JHFFHQ0P99JPPNQPJDV7JTBP',
      client_reference: 'r',
      code,
      operator_status_at: '2025-01-13T09:22:00Z',
      recipient: '14155552671',
      status,
      type: 'recipient_delivery_report_sms',
    });
  const signed = (
    rawBody: string,
    {
      secret = SECRET,
      timestamp = Math.floor(Date.now() / 1000),
      nonce = randomUUID(),
      algorithm = 'HmacSHA256',
    } = {},
  ): ReceiptRequest => {
    // Computed as Sinch documents it, independently of the driver: HMAC-SHA256 over body.nonce.timestamp.
    const signature = createHmac('sha256', secret)
      .update(`${rawBody}.${nonce}.${timestamp}`)
      .digest('base64');
    return {
      url: RECEIPT_URL,
      headers: {
        'content-type': 'application/json',
        'x-sinch-webhook-signature': signature,
        'x-sinch-webhook-signature-nonce': nonce,
        'x-sinch-webhook-signature-timestamp': String(timestamp),
        'x-sinch-webhook-signature-algorithm': algorithm,
      },
      query: {},
      body: JSON.parse(rawBody),
      rawBody,
    };
  };

  it("verifies the Sinch SDK's own test vector", async () => {
    const rawBody =
      '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';
    const vectorRoute = sinchReceipts('SMSWebhooksSecret', () => 1736760161_000);
    const outcome = await vectorRoute.handle({
      url: RECEIPT_URL,
      headers: {
        'x-sinch-webhook-signature': 'ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=',
        'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
        'x-sinch-webhook-signature-nonce': '01JHFFHWYY7HSS4FWTMDTQEK8V',
        'x-sinch-webhook-signature-timestamp': '1736760161',
      },
      query: {},
      body: JSON.parse(rawBody),
      rawBody,
    });
    assert.deepEqual(outcome, {
      receipts: [
        {
          providerMessageId: '01JHFFHQ0P99JPPNQPJDV7JTBP',
          status: 'delivered',
          detail: 'Delivered (code 0)',
          at: Date.parse('2025-01-13T09:22:40.914Z'),
        },
      ],
      reply: ACK,
    });
  });

  it('takes a signed Failed or Expired report as undelivered; Dispatched changes nothing', async () => {
    assert.equal((await route?.handle(signed(report('Failed', 402))))?.receipts[0]?.status, 'undelivered');
    assert.equal(
      (await route?.handle(signed(report('Expired', 406))))?.receipts[0]?.detail,
      'Expired (code 406)',
    );
    assert.deepEqual(await route?.handle(signed(report('Dispatched', 401))), {
      receipts: [],
      reply: ACK,
    });
  });

  it('refuses unsigned, wrongly signed and tampered reports', async () => {
    const good = signed(report('Delivered', 0));
    const unsigned = { ...good, headers: { 'content-type': 'application/json' } };
    const wrongKey = signed(report('Delivered', 0), { secret: 'someone-elses-secret' });
    const tampered = { ...good, rawBody: report('Failed', 402) };
    const otherAlgorithm = signed(report('Delivered', 0), { algorithm: 'HmacSHA1' });
    for (const request of [unsigned, wrongKey, tampered, otherAlgorithm]) {
      const outcome = await route?.handle(request);
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 401]);
    }
  });

  it('refuses a replay: a signature more than 5 minutes old (or ahead)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 310, now + 310]) {
      const outcome = await route?.handle(signed(report('Delivered', 0), { timestamp }));
      assert.deepEqual([outcome?.receipts, outcome?.reply.body], [[], 'signature too old or too new']);
    }
    assert.equal(
      (await route?.handle(signed(report('Delivered', 0), { timestamp: now - 290 })))?.receipts.length,
      1,
    );
  });

  it('draws the line at exactly 300 seconds, on a fixed clock', async () => {
    const at = 1_736_760_161;
    const fixed = sinchReceipts(SECRET, () => at * 1000);
    const body = report('Delivered', 0);
    assert.equal((await fixed.handle(signed(body, { timestamp: at - 300 }))).receipts.length, 1);
    assert.equal((await fixed.handle(signed(body, { timestamp: at + 300 }))).receipts.length, 1);
    assert.equal((await fixed.handle(signed(body, { timestamp: at - 301 }))).reply.status, 401);
    assert.equal((await fixed.handle(signed(body, { timestamp: at + 301 }))).reply.status, 401);
  });
});
