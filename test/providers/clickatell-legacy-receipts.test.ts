import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickatellLegacyDriver } from '../../src/providers/clickatell-legacy/index.js';
import type { ReceiptRequest } from '../../src/providers/types.js';
import { driverContext } from '../helpers/driver-test.js';
import { API_ID, PASSWORD, RECEIPT_TOKEN, USER } from './fakes/clickatell-legacy-api.js';

/** How receipt-kit acknowledges a receipt. */
const ACK = { status: 200, body: '', contentType: 'text/plain' };
const context = driverContext();

describe('clickatell-legacy delivery receipts', () => {
  const route = clickatellLegacyDriver.create(
    {
      user: USER,
      password: PASSWORD,
      apiId: API_ID,
      baseUrl: 'http://127.0.0.1:9',
      receiptToken: RECEIPT_TOKEN,
      timeoutMs: 1000,
    },
    context,
  ).receipts;
  // An HTTP POST callback: api_id, apiMsgId, cliMsgId, to, timestamp (unix seconds), from, status, charge.
  const callback = (
    fields: Record<string, string>,
    query: Record<string, string> = { token: RECEIPT_TOKEN },
  ): ReceiptRequest => {
    const body = {
      api_id: API_ID,
      apiMsgId: '996411ad91fa211e7d17bc873aa4a41d',
      cliMsgId: '',
      to: '14155552671',
      timestamp: '1218007814',
      from: '',
      charge: '0.300000',
      ...fields,
    };
    return {
      url: 'https://otpline.example/gateway/receipts/clickatell-legacy',
      headers: {},
      query,
      body,
      rawBody: new URLSearchParams(body).toString(),
    };
  };

  it("takes 004 as delivered, at the callback's time", async () => {
    assert.deepEqual(await route?.handle(callback({ status: '004' })), {
      receipts: [
        {
          providerMessageId: '996411ad91fa211e7d17bc873aa4a41d',
          status: 'delivered',
          detail: '004 Received by recipient',
          at: 1218007814000,
        },
      ],
      reply: ACK,
    });
  });

  it('takes the error statuses as undelivered and acknowledges intermediate ones', async () => {
    for (const status of ['005', '006', '007', '009', '010', '012', '014'])
      assert.equal((await route?.handle(callback({ status })))?.receipts[0]?.status, 'undelivered', status);
    for (const status of ['002', '003', '008', '011'])
      assert.deepEqual(await route?.handle(callback({ status })), { receipts: [], reply: ACK });
  });

  it('refuses a callback without the token, with a wrong one, or for another api_id', async () => {
    for (const query of [{}, { token: 'not-the-token-00000000000' }] as Record<string, string>[]) {
      const outcome = await route?.handle(callback({ status: '004' }, query));
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 403]);
    }
    const other = await route?.handle(callback({ status: '004', api_id: '1' }));
    assert.deepEqual([other?.receipts, other?.reply.status], [[], 403]);
  });

  it('refuses a callback without a message id', async () => {
    assert.equal((await route?.handle(callback({ status: '004', apiMsgId: '' })))?.reply.status, 400);
  });
});
