// Routing and failover through real drivers and fakes of their providers' APIs, with the worker
// driven by hand and the manual clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeHttpApi } from './helpers/fake-http-api.js';
import { gatewayToken, startTestServer, type TestServer } from './helpers/server.js';
import { messageBirdApi } from './providers/fakes/messagebird-api.js';
import { twilioApi, twilioError } from './providers/fakes/twilio-api.js';
import { vonageApi } from './providers/fakes/vonage-api.js';

const TWILIO = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'twilio-auth-token-0123456789' };
const VONAGE = {
  apiKey: 'abcd1234',
  apiSecret: 'vonage-api-secret',
  signatureSecret: 'sig',
  signatureMethod: 'md5hash',
};
const BIRD_KEY = 'messagebird-access-key-0123';

describe('routing and failover', () => {
  let twilio: FakeHttpApi;
  let vonage: FakeHttpApi;
  let bird: FakeHttpApi;
  let server: TestServer;

  before(async () => {
    twilio = await FakeHttpApi.start(twilioApi(TWILIO));
    vonage = await FakeHttpApi.start(vonageApi(VONAGE));
    bird = await FakeHttpApi.start(messageBirdApi(BIRD_KEY));
    server = await startTestServer(
      {
        provider: {
          name: 'twilio',
          twilio: { ...TWILIO, from: '+15005550006', baseUrl: twilio.url, timeoutMs: 2000 },
          vonage: {
            apiKey: VONAGE.apiKey,
            apiSecret: VONAGE.apiSecret,
            from: 'otpline',
            baseUrl: vonage.url,
          },
          messagebird: { accessKey: BIRD_KEY, originator: 'otpline', baseUrl: bird.url },
        },
        routing: {
          routes: [
            { countries: ['GB'], providers: ['vonage', 'messagebird'] },
            { prefixes: ['+49'], providers: ['messagebird', 'twilio'] },
          ],
          failoverAfter: 2,
          providerDownSeconds: 300,
        },
        outbox: { retryBaseMs: 20, retryMaxMs: 50, maxAttempts: 10 },
      },
      { noWorker: true },
    );
  });
  after(async () => {
    await server.stop();
    await Promise.all([twilio.close(), vonage.close(), bird.close()]);
  });

  async function send(recipient: string, body: string): Promise<string> {
    const token = await gatewayToken(server);
    const accepted = await server.call('POST', '/gateway/sms', { json: { recipient, body }, token });
    assert.equal(accepted.status, 200, accepted.text);
    return accepted.body.id;
  }

  async function drain(passes = 30): Promise<void> {
    for (let i = 0; i < passes; i++) {
      await server.services.worker.runOnce();
      server.clock.advance(100);
    }
  }

  const shown = async (id: string) =>
    (await server.call('GET', `/api/v2/sms-messages/${id}`, { token: await server.adminToken() })).body;
  const acceptedTexts = (api: FakeHttpApi, read: (raw: string) => string) =>
    api.requests.filter((r) => !api.refusals.some((x) => x.request === r)).map((r) => read(r.raw));

  it('delivers a batch to three countries exactly once each, through each route, while one provider fails', async () => {
    // Vonage fails every send (5xx): British messages move on to MessageBird after two failures.
    vonage.answerNext(...Array.from({ length: 20 }, () => 'server_error' as const));
    const batch = [
      ...['+14155550101', '+14155550102', '+14155550103'].map((to, i) => ({
        to,
        body: `US ${i}`,
        via: 'twilio',
      })),
      ...['+447700900101', '+447700900102', '+447700900103'].map((to, i) => ({
        to,
        body: `GB ${i}`,
        via: 'messagebird',
      })),
      ...['+4915112345671', '+4915112345672'].map((to, i) => ({ to, body: `DE ${i}`, via: 'messagebird' })),
    ];
    const ids = [];
    for (const m of batch) ids.push(await send(m.to, m.body));
    await drain();

    const viaTwilio = twilio.requests.map((r) => new URLSearchParams(r.raw).get('Body'));
    const viaBird = bird.requests.map((r) => JSON.parse(r.raw).body as string);
    const viaVonage = vonage.requests.map((r) => new URLSearchParams(r.raw).get('text'));
    for (const [i, m] of batch.entries()) {
      const message = await shown(ids[i] as string);
      assert.equal(message.status, 'sent', `${m.body}: ${JSON.stringify(message.attempts)}`);
      assert.equal(message.provider, m.via, m.body);
      const deliveries = [...viaTwilio, ...viaBird].filter((text) => text === m.body).length;
      assert.equal(deliveries, 1, `${m.body} was delivered exactly once`);
    }
    // British messages tried Vonage twice (failoverAfter), then MessageBird once.
    const gb = await shown(ids[3] as string);
    assert.deepEqual(
      gb.attempts.map((a: { provider: string; outcome: string }) => [a.provider, a.outcome]),
      [
        ['vonage', 'transient'],
        ['vonage', 'transient'],
        ['messagebird', 'accepted'],
      ],
    );
    assert.equal(viaVonage.filter((t) => t?.startsWith('GB')).length, 6);
    assert.equal(viaTwilio.filter((t) => t?.startsWith('GB') || t?.startsWith('DE')).length, 0);
    assert.deepEqual(acceptedTexts(twilio, (raw) => new URLSearchParams(raw).get('Body') ?? '').sort(), [
      'US 0',
      'US 1',
      'US 2',
    ]);
  });

  it('takes a provider with bad credentials out of rotation and sends its messages through the next one', async () => {
    // Twilio says the account cannot authenticate (20003): a provider-wide fault.
    twilio.replyNext(twilioError(401, 20003, 'Authenticate'));
    const first = await send('+4915112345673', 'DE fault 1');
    bird.replyNext({
      status: 500,
      body: JSON.stringify({ errors: [{ code: 99, description: 'internal error' }] }),
    });
    bird.replyNext({
      status: 500,
      body: JSON.stringify({ errors: [{ code: 99, description: 'internal error' }] }),
    });
    await drain(5);
    // MessageBird failed twice, then Twilio (next in the +49 chain) refused its credentials.
    const faulted = await shown(first);
    assert.deepEqual(
      faulted.attempts.map((a: { provider: string; outcome: string; error_code: string | null }) => [
        a.provider,
        a.outcome,
        a.error_code,
      ]),
      [
        ['messagebird', 'transient', '99'],
        ['messagebird', 'transient', '99'],
        ['twilio', 'permanent', '20003'],
      ],
    );
    assert.equal(faulted.status, 'failed', 'no provider left in its chain');
    const down = await server.services.stores.providerHealth.down(server.clock.now());
    assert.ok(down.has('twilio'), 'twilio is out of rotation');

    // An American message now finds twilio down; with no other provider in its chain it waits, untried.
    const twilioCalls = twilio.requests.length;
    const us = await send('+14155550199', 'US while down');
    await drain(3);
    assert.equal(twilio.requests.length, twilioCalls, 'nothing is sent to a provider out of rotation');
    assert.equal((await shown(us)).status, 'queued');
    server.clock.advance(301_000);
    await drain(2);
    assert.equal((await shown(us)).status, 'sent', 'back in rotation after providerDownSeconds');
  });
});
