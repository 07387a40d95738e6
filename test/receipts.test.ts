import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers as shipped } from '../src/providers/registry.js';
import { twilioSignature } from '../src/providers/twilio/receipts.js';
import { toyDriver, toySignature } from './fixtures/toy-provider/index.js';
import { FakeHttpApi } from './helpers/fake-http-api.js';
import { gatewayToken, startTestServer, type TestServer } from './helpers/server.js';
import { twilioApi } from './providers/fakes/twilio-api.js';

const API_KEY = 'toy-api-key-0123456789';

describe('delivery receipts (POST /gateway/receipts/<provider>)', () => {
  let server: TestServer;
  let api: FakeHttpApi;

  before(async () => {
    api = await FakeHttpApi.start({
      takesIdempotencyKey: true,
      read: (request) => ({ to: JSON.parse(request.raw).destination, body: JSON.parse(request.raw).text }),
      reply: (_answer, n) => ({ status: 201, body: JSON.stringify({ ref: `toy-${n}` }), id: `toy-${n}` }),
    });
    server = await startTestServer(
      { provider: { name: 'toy', toy: { baseUrl: api.url, apiKey: API_KEY } } },
      { noWorker: true, drivers: [...shipped, toyDriver] },
    );
  });
  after(async () => {
    await server.stop();
    await api.close();
  });

  async function sendOne(): Promise<{ id: string; ref: string }> {
    const token = await gatewayToken(server);
    const accepted = await server.call('POST', '/gateway/sms', {
      json: { recipient: '+14155552671', body: 'Your code is 123456' },
      token,
    });
    assert.equal(accepted.status, 200, accepted.text);
    await server.services.worker.runOnce();
    const ref = api.received.at(-1)?.providerMessageId;
    assert.ok(ref);
    return { id: accepted.body.id, ref };
  }

  const report = (body: object, signature?: string) => {
    const raw = JSON.stringify(body);
    return server.call('POST', '/gateway/receipts/toy', {
      raw,
      headers: { 'x-toy-signature': signature ?? toySignature(API_KEY, raw) },
    });
  };
  const shown = async (id: string) =>
    (await server.call('GET', `/api/v2/sms-messages/${id}`, { token: await server.adminToken() })).body;

  it('moves a sent message to delivered, once, however often the provider repeats the receipt', async () => {
    const { id, ref } = await sendOne();
    assert.equal((await shown(id)).status, 'sent');
    const at = Date.UTC(2026, 11, 1, 12, 0, 0);
    const first = await report({ ref, state: 'delivered', at });
    assert.equal(first.status, 200, first.text);
    const message = await shown(id);
    assert.equal(message.status, 'delivered');
    assert.equal(message.receipt_at, new Date(at).toISOString());
    const again = await report({ ref, state: 'failed', reason: 'late duplicate' });
    assert.equal(again.status, 200, 'a replay is acknowledged');
    assert.equal((await shown(id)).status, 'delivered', 'and changes nothing');
  });

  it('records why a message was not delivered', async () => {
    const { id, ref } = await sendOne();
    await report({ ref, state: 'failed', reason: 'absent subscriber' });
    const message = await shown(id);
    assert.equal(message.status, 'undelivered');
    assert.equal(message.receipt_detail, 'absent subscriber');
  });

  it('refuses unsigned and forged receipts, and changes nothing', async () => {
    const { id, ref } = await sendOne();
    const forged = await report({ ref, state: 'failed' }, toySignature('not-the-key-at-all', '{}'));
    assert.equal(forged.status, 401);
    const unsigned = await server.call('POST', '/gateway/receipts/toy', { json: { ref, state: 'failed' } });
    assert.equal(unsigned.status, 401);
    assert.equal((await shown(id)).status, 'sent');
  });

  it('has no receipt route for a provider without receipts', async () => {
    assert.equal((await server.call('POST', '/gateway/receipts/webhook', { json: {} })).status, 404);
  });
});

describe('delivery receipts from a real driver: twilio status callbacks', () => {
  const TWILIO = {
    accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
    authToken: 'twilio-auth-token-0123456789',
  };
  let server: TestServer;
  let twilio: FakeHttpApi;

  before(async () => {
    twilio = await FakeHttpApi.start(twilioApi(TWILIO));
    server = await startTestServer(
      { provider: { name: 'twilio', twilio: { ...TWILIO, from: '+15005550006', baseUrl: twilio.url } } },
      { noWorker: true },
    );
  });
  after(async () => {
    await server.stop();
    await twilio.close();
  });

  it('asks Twilio for callbacks at /gateway/receipts/twilio and applies the signed ones, once', async () => {
    const token = await gatewayToken(server);
    const accepted = await server.call('POST', '/gateway/sms', {
      json: { recipient: '+14155552671', body: 'Your code is 123456' },
      token,
    });
    await server.services.worker.runOnce();
    const sent = new URLSearchParams(twilio.requests.at(-1)?.raw);
    const callback = sent.get('StatusCallback') ?? '';
    assert.equal(callback, `${server.config.issuer}gateway/receipts/twilio`);
    const sid = twilio.received.at(-1)?.providerMessageId ?? '';

    const params: Array<[string, string]> = [
      ['MessageSid', sid],
      ['MessageStatus', 'undelivered'],
      ['ErrorCode', '30003'],
      ['AccountSid', TWILIO.accountSid],
    ];
    const post = (signature: string) =>
      server.call('POST', '/gateway/receipts/twilio', {
        raw: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      });
    const forged = await post(twilioSignature('not-the-auth-token', callback, params));
    assert.equal(forged.status, 403);
    const shown = async () =>
      (
        await server.call('GET', `/api/v2/sms-messages/${accepted.body.id}`, {
          token: await server.adminToken(),
        })
      ).body;
    assert.equal((await shown()).status, 'sent', 'a forged callback changes nothing');

    const signed = await post(twilioSignature(TWILIO.authToken, callback, params));
    assert.equal(signed.status, 200, signed.text);
    const message = await shown();
    assert.equal(message.status, 'undelivered');
    assert.match(message.receipt_detail, /30003/);
    const replayed = await post(twilioSignature(TWILIO.authToken, callback, params));
    assert.equal(replayed.status, 200);
    assert.equal((await shown()).status, 'undelivered');
  });
});
