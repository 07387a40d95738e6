import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { twilioDriver } from '../../src/providers/twilio/index.js';
import { twilioSignature } from '../../src/providers/twilio/receipts.js';
import type { ReceiptRequest } from '../../src/providers/types.js';

const AUTH_TOKEN = 'twilio-auth-token-0123456789';
const URL_CALLED = 'https://otpline.example/gateway/receipts/twilio';

const provider = twilioDriver.create(
  {
    accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
    authToken: AUTH_TOKEN,
    baseUrl: 'http://127.0.0.1:9',
    timeoutMs: 1000,
  },
  { logger: createLogger('silent'), stdout: process.stdout, receiptUrl: URL_CALLED },
);
const receipts = provider.receipts;
after(() => provider.stop?.());

/** Signs as Twilio documents it, written apart from the driver: URL + sorted name+value pairs, HMAC-SHA1. */
function signLikeTwilio(token: string, url: string, form: Record<string, string>): string {
  const data = Object.keys(form)
    .sort()
    .reduce((acc, key) => acc + key + form[key], url);
  return createHmac('sha1', token).update(data).digest('base64');
}

/** A status callback as Twilio POSTs it (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status). */
function callback(
  fields: Record<string, string>,
  sign: { token?: string; url?: string; signature?: string | null } = {},
): ReceiptRequest {
  const form = {
    AccountSid: `AC${'0123456789abcdef'.repeat(2)}`,
    ApiVersion: '2010-04-01',
    From: '+15005550006',
    To: '+14155552671',
    MessageSid: 'SM00000000000000000000000000000001',
    SmsSid: 'SM00000000000000000000000000000001',
    ...fields,
  };
  const signature =
    sign.signature === undefined
      ? signLikeTwilio(sign.token ?? AUTH_TOKEN, sign.url ?? URL_CALLED, form)
      : sign.signature;
  const rawBody = new URLSearchParams(form).toString();
  return {
    url: URL_CALLED,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'X-Twilio-Signature': signature }),
    },
    query: {},
    body: form,
    rawBody,
  };
}

describe('twilio status callbacks', () => {
  it("computes Twilio's documented example signature", () => {
    const params: Array<[string, string]> = [
      ['CallSid', 'CA1234567890ABCDE'],
      ['Caller', '+12349013030'],
      ['Digits', '1234'],
      ['From', '+12349013030'],
      ['To', '+18005551212'],
    ];
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    assert.equal(twilioSignature('12345', url, params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('is a POST route at the driver root', () => {
    assert.equal(receipts?.method, 'POST');
    assert.equal(receipts?.path, '/');
  });

  it('turns a correctly signed "delivered" into a receipt', async () => {
    const out = await receipts?.handle(callback({ MessageStatus: 'delivered', SmsStatus: 'delivered' }));
    assert.equal(out?.reply.status, 200);
    assert.deepEqual(out?.receipts, [
      { providerMessageId: 'SM00000000000000000000000000000001', status: 'delivered', detail: 'delivered' },
    ]);
  });

  it('turns "undelivered" and "failed" into undelivered, with the error code', async () => {
    const undelivered = await receipts?.handle(
      callback({ MessageStatus: 'undelivered', ErrorCode: '30003' }),
    );
    assert.deepEqual(undelivered?.receipts, [
      {
        providerMessageId: 'SM00000000000000000000000000000001',
        status: 'undelivered',
        detail: 'undelivered, Twilio error 30003',
      },
    ]);
    const failed = await receipts?.handle(callback({ MessageStatus: 'failed', ErrorCode: '30008' }));
    assert.equal(failed?.receipts[0]?.detail, 'failed, Twilio error 30008');
  });

  it('acknowledges "queued" and "sent" without a receipt', async () => {
    for (const status of ['queued', 'sent', 'accepted']) {
      const out = await receipts?.handle(callback({ MessageStatus: status }));
      assert.equal(out?.reply.status, 200);
      assert.deepEqual(out?.receipts, []);
    }
  });

  it('refuses unsigned, wrongly signed, re-addressed and altered callbacks', async () => {
    const unsigned = await receipts?.handle(callback({ MessageStatus: 'delivered' }, { signature: null }));
    assert.equal(unsigned?.reply.status, 403);
    assert.deepEqual(unsigned?.receipts, []);
    const forged = await receipts?.handle(
      callback({ MessageStatus: 'delivered' }, { token: 'another-token-000' }),
    );
    assert.equal(forged?.reply.status, 403);
    const elsewhere = await receipts?.handle(
      callback({ MessageStatus: 'delivered' }, { url: 'https://evil.example/gateway/receipts/twilio' }),
    );
    assert.equal(elsewhere?.reply.status, 403);
    const altered = callback({ MessageStatus: 'undelivered', ErrorCode: '30003' });
    altered.rawBody = altered.rawBody.replace('undelivered', 'delivered');
    const out = await receipts?.handle(altered);
    assert.equal(out?.reply.status, 403);
    assert.deepEqual(out?.receipts, []);
  });

  it('accepts a signature made over the URL with its default port, as proxies may present it', async () => {
    const withPort = 'https://otpline.example:443/gateway/receipts/twilio';
    const out = await receipts?.handle(callback({ MessageStatus: 'delivered' }, { url: withPort }));
    assert.equal(out?.receipts.length, 1);
  });

  it('gives the same receipt for a replayed callback: Twilio signs no time, the store applies it once', async () => {
    const request = callback({ MessageStatus: 'delivered' });
    const first = await receipts?.handle(request);
    const again = await receipts?.handle(request);
    assert.deepEqual(again, first);
  });
});
