import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { GATEWAY_SECRET, startTestServer, type TestServer } from './helpers/server.js';
import { SmsSink } from './helpers/sms-sink.js';

const secretKey = new TextEncoder().encode(GATEWAY_SECRET);

async function gatewayToken(
  server: TestServer,
  overrides: { key?: Uint8Array; audience?: string; expiresIn?: number } = {},
) {
  const now = Math.floor(server.clock.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Auth0')
    .setAudience(overrides.audience ?? `${server.config.issuer}gateway/sms`)
    .setIssuedAt(now)
    .setExpirationTime(now + (overrides.expiresIn ?? 60))
    .sign(overrides.key ?? secretKey);
}

const message = { recipient: '+14155552671', body: 'Your code is 123456', sender: '+11111111111' };

describe('the gateway (/gateway/sms)', () => {
  let server: TestServer;
  let sink: SmsSink;

  before(async () => {
    sink = await SmsSink.start();
    // The worker is driven by hand (runOnce) with the manual clock: no real-time polling.
    server = await startTestServer(
      {
        provider: {
          name: 'webhook',
          webhook: { url: `${sink.url}/deliver`, secret: 'webhook-signing-secret-123' },
        },
      },
      { noWorker: true },
    );
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });

  async function messageCount(): Promise<number> {
    const list = await server.call('GET', '/api/v2/sms-messages?include_totals=true', {
      token: await server.adminToken(),
    });
    return list.body.total;
  }

  it('refuses callers without a valid bearer JWT, and queues nothing', async () => {
    const before = await messageCount();
    const now = Math.floor(server.clock.now() / 1000);
    const attempts: Array<[string, string | undefined]> = [
      ['no token', undefined],
      [
        'alg none',
        new UnsecuredJWT({ aud: `${server.config.issuer}gateway/sms` }).setExpirationTime(now + 60).encode(),
      ],
      [
        'wrong key',
        await gatewayToken(server, { key: new TextEncoder().encode('another-secret-of-enough-length') }),
      ],
      ['wrong audience', await gatewayToken(server, { audience: 'urn:someone-else' })],
      ['expired', await gatewayToken(server, { expiresIn: -120 })],
      ['tampered', `${(await gatewayToken(server)).slice(0, -4)}AAAA`],
      ['not a JWT', 'hello'],
    ];
    for (const [name, token] of attempts) {
      const result = await server.call('POST', '/gateway/sms', { json: message, token });
      assert.equal(result.status, 401, `${name}: ${result.text}`);
      assert.equal(result.body.error, 'unauthorized', name);
    }
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(`${server.config.issuer}gateway/sms`)
      .sign(secretKey);
    assert.equal(
      (await server.call('POST', '/gateway/sms', { json: message, token: noExp })).status,
      401,
      'a token without exp',
    );
    assert.equal(await messageCount(), before);
  });

  it('stores an accepted message before answering 200, then delivers it through the provider', async () => {
    const received = sink.received.length;
    const result = await server.call('POST', '/gateway/sms', {
      json: message,
      token: await gatewayToken(server),
    });
    assert.equal(result.status, 200, result.text);
    assert.match(result.body.id, /^msg_/);
    assert.equal(result.body.recipient, '+14155552671');
    assert.equal((await messageOf(server, result.body.id)).status, 'queued', 'stored before the 200');
    assert.equal(await server.services.worker.runOnce(), 1);
    assert.equal(sink.received.length, received + 1);
    const delivered = sink.last();
    assert.equal(delivered.path, '/deliver');
    assert.deepEqual(delivered.body, {
      id: result.body.id,
      to: '+14155552671',
      from: '+11111111111',
      body: 'Your code is 123456',
    });
    assert.match(String(delivered.headers['x-otpline-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(delivered.headers['idempotency-key'], result.body.id);

    const shown = await messageOf(server, result.body.id);
    assert.equal(shown.status, 'sent');
    assert.equal(shown.provider, 'webhook');
    assert.equal(shown.provider_message_id, `sink-${received + 1}`);
    assert.equal(shown.body, 'Your code is ******', 'codes are masked in the delivery log');
    assert.equal(shown.attempts.length, 1);
  });

  it('retries transient failures with backoff, and fails on a permanent one', async () => {
    sink.respondWith(503, 429);
    const retried = await server.call('POST', '/gateway/sms', {
      json: message,
      token: await gatewayToken(server),
    });
    const sent = await deliverUntil(server, retried.body.id, 'sent', 200);
    assert.deepEqual(
      sent.attempts.map((a: { outcome: string; status_code: string }) => [a.outcome, a.status_code]),
      [
        ['transient', '503'],
        ['transient', '429'],
        ['accepted', '200'],
      ],
    );

    sink.respondWith(400);
    const refused = await server.call('POST', '/gateway/sms', {
      json: message,
      token: await gatewayToken(server),
    });
    const failed = await deliverUntil(server, refused.body.id, 'failed');
    assert.equal(failed.attempts.length, 1);
    assert.match(failed.last_error, /^HTTP 400/);
  });

  it('makes retries of the same request safe with Idempotency-Key', async () => {
    const token = await gatewayToken(server);
    const headers = { 'idempotency-key': 'order-42' };
    const first = await server.call('POST', '/gateway/sms', { json: message, token, headers });
    const second = await server.call('POST', '/gateway/sms', { json: message, token, headers });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
  });

  it('rejects junk recipients and malformed bodies with a clear 400', async () => {
    const token = await gatewayToken(server);
    const cases: Array<[unknown, RegExp]> = [
      [{ ...message, recipient: 'call me maybe' }, /does not match pattern/],
      [{ ...message, recipient: '+1234' }, /not a possible phone number/],
      [{ ...message, recipient: { $gt: '' } }, /invalid type: object \(expected string\)/],
      [{ recipient: '+14155552671' }, /Missing required property: body/],
      [{ ...message, body: '' }, /body/],
    ];
    for (const [body, pattern] of cases) {
      const result = await server.call('POST', '/gateway/sms', { json: body, token });
      assert.equal(result.status, 400, result.text);
      assert.match(result.body.error_description, pattern);
    }
    const broken = await server.call('POST', '/gateway/sms', { raw: '{"recipient": ', token });
    assert.equal(broken.status, 400);
    assert.deepEqual(broken.body, { error: 'invalid_request', error_description: 'Invalid JSON body' });
  });
});

describe('the gateway without tokens, for listed networks only', () => {
  it('accepts unauthenticated callers from an allowed network and still refuses the others', async () => {
    const open = await startTestServer({
      gateway: { secret: GATEWAY_SECRET, allowUnauthenticatedFrom: ['127.0.0.0/8'] },
    });
    const closed = await startTestServer({
      gateway: { secret: GATEWAY_SECRET, allowUnauthenticatedFrom: ['10.0.0.0/8'] },
    });
    try {
      assert.equal((await open.call('POST', '/gateway/sms', { json: message })).status, 200);
      assert.equal((await closed.call('POST', '/gateway/sms', { json: message })).status, 401);
      // A token, when sent, must still be valid.
      assert.equal((await open.call('POST', '/gateway/sms', { json: message, token: 'forged' })).status, 401);
    } finally {
      await open.stop();
      await closed.stop();
    }
  });
});

describe('message expiry', () => {
  it('never delivers a message after its time is up', async () => {
    const sink = await SmsSink.start();
    sink.defaultStatus = 503;
    const server = await startTestServer(
      {
        provider: { name: 'webhook', webhook: { url: sink.url } },
        outbox: { retryBaseMs: 20, retryMaxMs: 50, maxAttempts: 1000, messageTtlMs: 60_000 },
      },
      { noWorker: true },
    );
    try {
      const sent = await server.call('POST', '/gateway/sms', {
        json: message,
        token: await gatewayToken(server),
      });
      while (sink.received.length < 2) {
        await server.services.worker.runOnce();
        server.clock.advance(200);
      }
      server.clock.advance(61_000);
      const expired = await deliverUntil(server, sent.body.id, 'expired');
      assert.ok(expired.attempts.length >= 2);
      const count = sink.received.length;
      await server.services.worker.runOnce();
      assert.equal(sink.received.length, count, 'no delivery after expiry');
    } finally {
      await server.stop();
      await sink.close();
    }
  });
});

async function messageOf(server: TestServer, id: string) {
  const result = await server.call('GET', `/api/v2/sms-messages/${id}`, { token: await server.adminToken() });
  return result.body;
}

/** Runs worker passes, moving the manual clock `tickMs` after each so retries come due, until the message is `status`. */
async function deliverUntil(server: TestServer, id: string, status: string, tickMs = 0, passes = 50) {
  for (let pass = 0; pass < passes; pass++) {
    await server.services.worker.runOnce();
    const shown = await messageOf(server, id);
    if (shown.status === status) return shown;
    server.clock.advance(tickMs);
  }
  throw new Error(`message ${id} is ${(await messageOf(server, id)).status}, not ${status}`);
}
