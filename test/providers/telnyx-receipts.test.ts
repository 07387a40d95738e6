import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { telnyxDriver } from '../../src/providers/telnyx/index.js';
import { telnyxReceipts } from '../../src/providers/telnyx/receipts.js';
import type { ReceiptRequest } from '../../src/providers/types.js';
import { driverContext } from '../helpers/driver-test.js';
import { API_KEY, keyPair, RECEIPT_URL, telnyx } from './fakes/telnyx-api.js';

/** How receipt-kit acknowledges a receipt. */
const ACK = { status: 200, body: '', contentType: 'text/plain' };
const context = driverContext(RECEIPT_URL);

describe('telnyx delivery webhooks', () => {
  const route = telnyxDriver.create(
    { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9', publicKey: telnyx.publicKey, timeoutMs: 1000 },
    context,
  ).receipts;
  const event = (eventType: string, status: string, errors: unknown[] = []) =>
    JSON.stringify({
      data: {
        event_type: eventType,
        id: 'b301ed3f-1490-491f-995f-6e64e69674d4',
        occurred_at: '2024-01-01T00:00:03.000+00:00',
        payload: {
          id: '40385f64-5717-4562-b3fc-2c963f66afa6',
          record_type: 'message',
          direction: 'outbound',
          to: [{ phone_number: '+14155552671', status }],
          completed_at: '2024-01-01T00:00:02.500+00:00',
          errors,
        },
        record_type: 'event',
      },
      meta: { attempt: 1, delivered_to: RECEIPT_URL },
    });
  // Signed as Telnyx documents: Ed25519 over "<timestamp>|<raw body>", base64, with the timestamp header.
  const signed = (
    rawBody: string,
    { privateKey = telnyx.privateKey, timestamp = Math.floor(Date.now() / 1000) } = {},
  ): ReceiptRequest => ({
    url: RECEIPT_URL,
    headers: {
      'content-type': 'application/json',
      'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${rawBody}`), privateKey).toString(
        'base64',
      ),
      'telnyx-timestamp': String(timestamp),
    },
    query: {},
    body: JSON.parse(rawBody),
    rawBody,
  });

  it('takes a signed message.finalized: delivered', async () => {
    assert.deepEqual(await route?.handle(signed(event('message.finalized', 'delivered'))), {
      receipts: [
        {
          providerMessageId: '40385f64-5717-4562-b3fc-2c963f66afa6',
          status: 'delivered',
          detail: 'delivered',
          at: Date.parse('2024-01-01T00:00:02.500Z'),
        },
      ],
      reply: ACK,
    });
  });

  it('takes delivery_failed and sending_failed as undelivered, with the error; ignores message.sent and delivery_unconfirmed', async () => {
    const failed = await route?.handle(
      signed(event('message.finalized', 'delivery_failed', [{ code: '40008', title: 'Undeliverable' }])),
    );
    assert.deepEqual(
      failed?.receipts.map((r) => [r.status, r.detail]),
      [['undelivered', 'delivery_failed; 40008 Undeliverable']],
    );
    assert.equal(
      (await route?.handle(signed(event('message.finalized', 'sending_failed'))))?.receipts[0]?.status,
      'undelivered',
    );
    for (const body of [event('message.sent', 'sent'), event('message.finalized', 'delivery_unconfirmed')])
      assert.deepEqual(await route?.handle(signed(body)), { receipts: [], reply: ACK });
  });

  it('refuses unsigned, wrongly signed and tampered webhooks', async () => {
    const good = signed(event('message.finalized', 'delivered'));
    const unsigned = { ...good, headers: { 'content-type': 'application/json' } };
    const otherKey = signed(event('message.finalized', 'delivered'), { privateKey: keyPair().privateKey });
    const tampered = { ...good, rawBody: event('message.finalized', 'delivery_failed') };
    const garbage = {
      ...good,
      headers: { ...good.headers, 'telnyx-signature-ed25519': 'bm90IGEgc2lnbmF0dXJl' },
    };
    for (const request of [unsigned, otherKey, tampered, garbage]) {
      const outcome = await route?.handle(request);
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 401]);
    }
  });

  it('refuses a replay: a timestamp more than 5 minutes old (or ahead)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 310, now + 310]) {
      const outcome = await route?.handle(signed(event('message.finalized', 'delivered'), { timestamp }));
      assert.deepEqual([outcome?.receipts, outcome?.reply.body], [[], 'signature too old or too new']);
    }
    assert.equal(
      (await route?.handle(signed(event('message.finalized', 'delivered'), { timestamp: now - 290 })))
        ?.receipts.length,
      1,
    );
  });

  it('draws the line at exactly 300 seconds, on a fixed clock', async () => {
    const at = 1_736_760_161;
    const fixed = telnyxReceipts(telnyx.publicKey, () => at * 1000);
    const body = event('message.finalized', 'delivered');
    assert.equal((await fixed.handle(signed(body, { timestamp: at - 300 }))).receipts.length, 1);
    assert.equal((await fixed.handle(signed(body, { timestamp: at + 300 }))).receipts.length, 1);
    assert.equal((await fixed.handle(signed(body, { timestamp: at - 301 }))).reply.status, 401);
    assert.equal((await fixed.handle(signed(body, { timestamp: at + 301 }))).reply.status, 401);
  });
});
