import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  messageBirdReceipts,
  messageBirdSignatureProblem,
} from '../../src/providers/messagebird/receipts.js';
import type { ReceiptRequest } from '../../src/providers/types.js';
import { CHECKED_AT, JWT_VECTORS, SIGNING_KEY } from './fakes/messagebird-jwt-vectors.js';

const ENDPOINT = 'https://otpline.example/gateway/receipts/messagebird';
const KEY = 'messagebird-signing-key-0123456789';

/** A status report as MessageBird GETs it (id, reference, recipient, status, statusDatetime, ...). */
function report(fields: Record<string, string>, token?: string): ReceiptRequest {
  const query = {
    id: 'e8077d803532c0b5937c639b60216938',
    reference: 'msg_bird_1',
    recipient: '31612345678',
    statusDatetime: '2016-05-03T08:58:10+00:00',
    ...fields,
  };
  const url = `${ENDPOINT}?${new URLSearchParams(query)}`;
  return {
    url,
    headers: token ? { 'messagebird-signature-jwt': token } : {},
    query,
    body: undefined,
    rawBody: '',
  };
}

/** Signs as MessageBird does: HS256, issuer MessageBird, a minute of validity, url_hash of the URL. */
async function signLikeMessageBird(url: string, key = KEY, issuedAt = Math.floor(Date.now() / 1000)) {
  return new SignJWT({ url_hash: createHash('sha256').update(url).digest('hex') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('MessageBird')
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + 60)
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(key));
}

async function signed(fields: Record<string, string>, key = KEY, issuedAt?: number) {
  const unsigned = report(fields);
  return report(fields, await signLikeMessageBird(unsigned.url, key, issuedAt));
}

describe('messagebird status reports', () => {
  for (const vector of JWT_VECTORS) {
    it(`${vector.valid ? 'accepts' : 'refuses'} MessageBird's reference token: ${vector.name}`, async () => {
      const request: ReceiptRequest = {
        url: vector.url,
        headers: { 'MessageBird-Signature-JWT': vector.token },
        query: Object.fromEntries(new URL(vector.url).searchParams),
        body: undefined,
        rawBody: vector.payload ?? '',
      };
      const problem = await messageBirdSignatureProblem(request, SIGNING_KEY, CHECKED_AT);
      assert.equal(problem === undefined, vector.valid, problem);
    });
  }

  it('is a GET route, and turns a signed "delivered" into a receipt with its time', async () => {
    const route = messageBirdReceipts(KEY);
    assert.equal(route.method, 'GET');
    const out = await route.handle(await signed({ status: 'delivered' }));
    assert.equal(out.reply.status, 200);
    assert.deepEqual(out.receipts, [
      {
        providerMessageId: 'e8077d803532c0b5937c639b60216938',
        status: 'delivered',
        detail: 'delivered',
        at: Date.UTC(2016, 4, 3, 8, 58, 10),
      },
    ]);
  });

  it('maps delivery_failed and expired to undelivered with reason and code; sent to nothing', async () => {
    const route = messageBirdReceipts(KEY);
    const failed = await route.handle(
      await signed({ status: 'delivery_failed', statusReason: 'unknown subscriber', statusErrorCode: '1' }),
    );
    assert.equal(failed.receipts[0]?.status, 'undelivered');
    assert.equal(failed.receipts[0]?.detail, 'delivery_failed, unknown subscriber, error 1');
    const expired = await route.handle(await signed({ status: 'expired' }));
    assert.equal(expired.receipts[0]?.detail, 'expired');
    for (const status of ['sent', 'buffered', 'scheduled']) {
      const out = await route.handle(await signed({ status }));
      assert.deepEqual([out.reply.status, out.receipts], [200, []]);
    }
  });

  it('refuses unsigned, wrongly signed, re-addressed and replayed reports when a signing key is set', async () => {
    const route = messageBirdReceipts(KEY);
    const unsigned = await route.handle(report({ status: 'delivered' }));
    assert.deepEqual([unsigned.reply.status, unsigned.receipts], [403, []]);
    const forged = await route.handle(await signed({ status: 'delivered' }, 'another-signing-key-000000'));
    assert.equal(forged.reply.status, 403);
    const genuine = await signed({ status: 'expired' });
    const altered = report({ status: 'delivered' }, String(genuine.headers['messagebird-signature-jwt']));
    assert.equal((await route.handle(altered)).reply.status, 403);
    const stale = await signed({ status: 'delivered' }, KEY, Math.floor(Date.now() / 1000) - 120);
    const replay = await route.handle(stale);
    assert.deepEqual([replay.reply.status, replay.receipts], [403, []]);
  });

  it('takes unsigned reports when no signing key is configured', async () => {
    const out = await messageBirdReceipts(undefined).handle(report({ status: 'delivered' }));
    assert.equal(out.receipts.length, 1);
  });
});
