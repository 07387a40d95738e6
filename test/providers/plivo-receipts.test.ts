import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { plivoReceipts, plivoSignedUrl } from '../../src/providers/plivo/receipts.js';
import type { ReceiptRequest } from '../../src/providers/types.js';

const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const URL_CALLED = 'https://otpline.example/gateway/receipts/plivo';
const route = plivoReceipts(AUTH_TOKEN);

/**
 * Signs as Plivo's Python and Go SDKs check (written apart from the driver): the URL, "?", each POST
 * parameter's name and value sorted with nothing between, then "." and the nonce; HMAC-SHA256 with
 * the Auth Token, base64.
 */
function signLikePlivo(token: string, url: string, form: Record<string, string>, nonce: string): string {
  const params = Object.keys(form)
    .sort()
    .map((k) => `${k}${form[k]}`)
    .join('');
  return createHmac('sha256', token).update(`${url}?${params}.${nonce}`).digest('base64');
}

/** A status callback as Plivo POSTs it to the message's `url`. */
function callback(
  fields: Record<string, string>,
  sign: { token?: string; url?: string; nonce?: string; signatures?: (good: string) => string } = {},
): ReceiptRequest {
  const form = {
    From: '14155550100',
    To: '14155552671',
    MessageUUID: '6da4afba-2bcf-4a87-9eff-d2f88577b0f1',
    TotalRate: '0.0050',
    TotalAmount: '0.0050',
    Units: '1',
    ...fields,
  };
  const nonce = sign.nonce ?? '05429567804466091622';
  const good = signLikePlivo(sign.token ?? AUTH_TOKEN, sign.url ?? URL_CALLED, form, nonce);
  return {
    url: URL_CALLED,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-plivo-signature-v3': sign.signatures ? sign.signatures(good) : good,
      'x-plivo-signature-v3-nonce': nonce,
    },
    query: {},
    body: form,
    rawBody: new URLSearchParams(form).toString(),
  };
}

describe('plivo status callbacks', () => {
  it('signs the URL, its sorted query, "." and the sorted POST parameters without separators', () => {
    const post: Array<[string, string]> = [
      ['To', '+1'],
      ['From', '+2'],
    ];
    assert.equal(
      plivoSignedUrl('https://example.com/cb?b=2&a=1', post),
      'https://example.com/cb?a=1&b=2.From+2To+1',
    );
    assert.equal(plivoSignedUrl('https://example.com/cb', post), 'https://example.com/cb?From+2To+1');
    assert.equal(plivoSignedUrl('https://example.com/cb', []), 'https://example.com/cb');
  });

  it('turns a correctly signed "delivered" into a receipt', async () => {
    assert.equal(route.method, 'POST');
    const out = await route.handle(callback({ Status: 'delivered', ErrorCode: '000' }));
    assert.equal(out.reply.status, 200);
    assert.deepEqual(out.receipts, [
      { providerMessageId: '6da4afba-2bcf-4a87-9eff-d2f88577b0f1', status: 'delivered', detail: 'delivered' },
    ]);
  });

  it('turns undelivered, failed and rejected into undelivered with the error code; queued and sent into nothing', async () => {
    for (const status of ['undelivered', 'failed', 'rejected']) {
      const out = await route.handle(callback({ Status: status, ErrorCode: '50' }));
      assert.equal(out.receipts[0]?.status, 'undelivered');
      assert.equal(out.receipts[0]?.detail, `${status}, Plivo error 50`);
    }
    for (const status of ['queued', 'sent']) {
      const out = await route.handle(callback({ Status: status }));
      assert.deepEqual([out.reply.status, out.receipts], [200, []]);
    }
  });

  it('accepts any of several signatures, one per active Auth Token', async () => {
    const out = await route.handle(
      callback({ Status: 'delivered' }, { signatures: (good) => `bm90LXRoaXMtb25l,${good}` }),
    );
    assert.equal(out.receipts.length, 1);
  });

  it('refuses unsigned, wrongly signed, re-addressed and altered callbacks', async () => {
    const unsigned = callback({ Status: 'delivered' });
    delete unsigned.headers['x-plivo-signature-v3'];
    assert.deepEqual(
      [(await route.handle(unsigned)).reply.status, (await route.handle(unsigned)).receipts],
      [403, []],
    );
    const forged = await route.handle(callback({ Status: 'delivered' }, { token: 'another-token-0000' }));
    assert.equal(forged.reply.status, 403);
    const elsewhere = await route.handle(
      callback({ Status: 'delivered' }, { url: 'https://evil.example/plivo' }),
    );
    assert.equal(elsewhere.reply.status, 403);
    const altered = callback({ Status: 'undelivered', ErrorCode: '50' });
    altered.rawBody = altered.rawBody.replace('undelivered', 'delivered');
    assert.deepEqual((await route.handle(altered)).receipts, []);
    const otherNonce = callback({ Status: 'delivered' });
    otherNonce.headers['x-plivo-signature-v3-nonce'] = '99999999999999999999';
    assert.equal((await route.handle(otherNonce)).reply.status, 403);
  });

  it('gives the same receipt for a replayed callback: Plivo signs no time, the store applies it once', async () => {
    const request = callback({ Status: 'delivered' });
    assert.deepEqual(await route.handle(request), await route.handle(request));
  });
});
