import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ReceiptRequest } from '../../src/providers/types.js';
import type { VonageSettings } from '../../src/providers/vonage/config.js';
import { vonageReceipts } from '../../src/providers/vonage/receipts.js';
import { vonageSignature } from '../../src/providers/vonage/signature.js';

const URL_CALLED = 'https://otpline.example/gateway/receipts/vonage';
const SECRET = 'vonage-signature-secret-0123';
const base: VonageSettings = {
  apiKey: 'abcd1234',
  apiSecret: 'vonage-api-secret-01',
  signatureMethod: 'md5hash',
  receiptMethod: 'POST',
  baseUrl: 'https://rest.nexmo.com',
  timeoutMs: 1000,
};
const now = () => Math.floor(Date.now() / 1000);

/** Signs as Vonage documents it, apart from the driver: sorted `&k=v`, `&`/`=` in values as `_`. */
function signLikeVonage(fields: Record<string, string>, secret: string, method: string): string {
  const text = Object.keys(fields)
    .sort()
    .map((k) => `&${k}=${fields[k]?.replace(/&/g, '_').replace(/=/g, '_')}`)
    .join('');
  return method === 'md5hash'
    ? createHash('md5').update(`${text}${secret}`).digest('hex')
    : createHmac(method, secret).update(text).digest('hex').toUpperCase();
}

/** A DLR as in sms.yml's `DeliveryReceipt`, signed when `secret` is given. */
function dlr(fields: Record<string, string>, sign?: { secret: string; method: string; timestamp?: number }) {
  const all: Record<string, string> = {
    msisdn: '14155552671',
    to: 'Acme',
    'network-code': '310260',
    messageId: '0A0000001234567B',
    price: '0.03330000',
    'api-key': 'abcd1234',
    'client-ref': 'msg_1',
    'message-timestamp': '2026-01-02 03:04:05',
    scts: '2601020304',
    'err-code': '0',
    ...fields,
  };
  if (sign) {
    all.timestamp = String(sign.timestamp ?? now());
    all.nonce = 'ec11dd3e-1e7f-4db5-9467-82b02cd223b9';
    all.sig = signLikeVonage(all, sign.secret, sign.method);
  }
  return all;
}

function post(fields: Record<string, string>, as: 'json' | 'form' = 'json'): ReceiptRequest {
  const rawBody = as === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const type = as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  return { url: URL_CALLED, headers: { 'content-type': type }, query: {}, body: fields, rawBody };
}

describe('vonage delivery receipts', () => {
  it("computes the md5hash of Vonage's SDK tests", () => {
    const params = { a: '1', b: '2', timestamp: '1461605396' };
    assert.equal(vonageSignature(params, 'secret', 'md5hash'), '6af838ef94998832dbfc29020b564830');
  });

  it('takes unsigned receipts when no signature secret is set, for this API key only', async () => {
    const route = vonageReceipts(base);
    assert.equal(route.method, 'POST');
    const out = await route.handle(post(dlr({ status: 'delivered' })));
    assert.equal(out.reply.status, 200);
    assert.deepEqual(out.receipts, [
      {
        providerMessageId: '0A0000001234567B',
        status: 'delivered',
        detail: 'delivered',
        at: Date.UTC(2026, 0, 2, 3, 4, 5),
      },
    ]);
    const other = await route.handle(post(dlr({ status: 'delivered', 'api-key': 'zzzz9999' })));
    assert.equal(other.reply.status, 403);
    assert.deepEqual(other.receipts, []);
  });

  it('maps failed, rejected and expired to undelivered with err-code; accepted and buffered to nothing', async () => {
    const route = vonageReceipts(base);
    for (const status of ['failed', 'rejected', 'expired']) {
      const out = await route.handle(post(dlr({ status, 'err-code': '6' }), 'form'));
      assert.equal(out.receipts[0]?.status, 'undelivered');
      assert.equal(out.receipts[0]?.detail, `${status}, err-code 6`);
    }
    for (const status of ['accepted', 'buffered', 'unknown']) {
      const out = await route.handle(post(dlr({ status })));
      assert.deepEqual([out.reply.status, out.receipts], [200, []]);
    }
  });

  for (const method of ['md5hash', 'sha256', 'sha512'] as const) {
    it(`checks ${method} signatures when a signature secret is set`, async () => {
      const route = vonageReceipts({ ...base, signatureSecret: SECRET, signatureMethod: method });
      const signed = dlr({ status: 'delivered' }, { secret: SECRET, method });
      assert.equal((await route.handle(post(signed))).receipts.length, 1);
      assert.equal((await route.handle(post(signed, 'form'))).receipts.length, 1);
      const forged = dlr({ status: 'delivered' }, { secret: 'another-secret-0000', method });
      assert.equal((await route.handle(post(forged))).reply.status, 403);
      const altered = { ...signed, status: 'failed' };
      assert.equal((await route.handle(post(altered))).reply.status, 403);
    });
  }

  it('refuses unsigned receipts and replays older than five minutes once a secret is set', async () => {
    const route = vonageReceipts({ ...base, signatureSecret: SECRET });
    const unsigned = await route.handle(post(dlr({ status: 'delivered' })));
    assert.deepEqual([unsigned.reply.status, unsigned.receipts], [403, []]);
    const stale = dlr({ status: 'delivered' }, { secret: SECRET, method: 'md5hash', timestamp: now() - 301 });
    assert.equal((await route.handle(post(stale))).reply.status, 403);
    const recent = dlr(
      { status: 'delivered' },
      { secret: SECRET, method: 'md5hash', timestamp: now() - 240 },
    );
    assert.equal((await route.handle(post(recent))).reply.status, 200);
  });

  it('reads GET receipts from the query when the dashboard says GET', async () => {
    const route = vonageReceipts({ ...base, receiptMethod: 'GET', signatureSecret: SECRET });
    assert.equal(route.method, 'GET');
    const query = dlr({ status: 'expired', 'err-code': '1' }, { secret: SECRET, method: 'md5hash' });
    const out = await route.handle({ url: URL_CALLED, headers: {}, query, body: undefined, rawBody: '' });
    assert.equal(out.receipts[0]?.detail, 'expired, err-code 1');
  });

  it('answers 400 to a JSON receipt that is not JSON', async () => {
    const route = vonageReceipts(base);
    const out = await route.handle({
      url: URL_CALLED,
      headers: { 'content-type': 'application/json' },
      query: {},
      body: undefined,
      rawBody: '{not json',
    });
    assert.equal(out.reply.status, 400);
  });
});
