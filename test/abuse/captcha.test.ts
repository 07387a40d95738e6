// The CAPTCHA rule (issue 8) through the real server, against a local siteverify endpoint that
// speaks the contract Turnstile, hCaptcha and reCAPTCHA share: a form with `secret`, `response`
// and `remoteip`, answered with `{"success": true}` or `{"success": false, "error-codes": [...]}`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClient, createConnection } from '../helpers/flow.js';
import { type CallResult, freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const SECRET = 'captcha-secret-0123456789';
const MINUTE = 60_000;

interface Verification {
  secret: string | null;
  response: string | null;
  remoteip: string | null;
}

/**
 * A siteverify endpoint on loopback. Tokens it issued are good once, as the providers' are;
 * `down` makes it answer 503.
 */
class FakeSiteverify {
  readonly calls: Verification[] = [];
  down = false;
  private readonly good = new Set<string>();
  private readonly used = new Set<string>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        const call = {
          secret: form.get('secret'),
          response: form.get('response'),
          remoteip: form.get('remoteip'),
        };
        this.calls.push(call);
        if (this.down) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('unavailable');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.verdict(call)));
      });
    });
  }

  private verdict({ secret, response }: Verification): Record<string, unknown> {
    const failed = (code: string) => ({ success: false, 'error-codes': [code] });
    if (secret !== SECRET) return failed('invalid-input-secret');
    if (!response) return failed('missing-input-response');
    if (this.used.has(response)) return failed('timeout-or-duplicate');
    if (!this.good.delete(response)) return failed('invalid-input-response');
    this.used.add(response);
    return { success: true };
  }

  static async start(): Promise<FakeSiteverify> {
    const fake = new FakeSiteverify();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/siteverify`;
  }

  /** A token as the widget hands it to a user who solved the challenge. */
  token(): string {
    const token = `solved-${randomUUID()}`;
    this.good.add(token);
    return token;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A server with a CAPTCHA, a public app, a backend with its secret, and connection `sms`. */
async function captchaServer(sink: SmsSink, captcha: Record<string, unknown>, abuse = {}) {
  const server = await startTestServer({
    provider: { name: 'webhook', webhook: { url: sink.url } },
    trustProxy: true,
    abuse: { ...abuse, captcha: { secret: SECRET, ...captcha } },
  });
  const app = await createClient(server, { name: 'Public App', app_type: 'native' });
  const backend = await createClient(server, { name: 'Backend', app_type: 'regular_web' });
  await createConnection(server, {
    name: 'sms',
    strategy: 'sms',
    options: {
      provider: 'sms_gateway',
      gateway_url: `${server.config.issuer}gateway/sms`,
      template: 'Code: @@password@@',
    },
    enabled_clients: [app.client_id, backend.client_id],
  });
  const start = (
    phone: string,
    options: { captcha?: string; headers?: Record<string, string>; backend?: boolean } = {},
  ): Promise<CallResult> =>
    server.call('POST', '/passwordless/start', {
      headers: { 'x-forwarded-for': '203.0.113.5', ...options.headers },
      json: {
        ...(options.backend
          ? { client_id: backend.client_id, client_secret: backend.client_secret }
          : { client_id: app.client_id }),
        connection: 'sms',
        phone_number: phone,
        ...(options.captcha ? { captcha: options.captcha } : {}),
      },
    });
  const events = async (type: string, phone: string) => {
    const query = new URLSearchParams({ type, phone_number: phone });
    const result = await server.call('GET', `/api/v2/logs?${query}`, { token: await server.adminToken() });
    return result.body as Array<{ description: string; details: Record<string, unknown> }>;
  };
  return { server, start, events };
}

/** Resolves with the code once a message has reached `phone`. */
async function delivered(sink: SmsSink, phone: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const message = sink.received.find((r) => r.body.to === phone);
    if (message) return codeIn(message.body.body);
    if (Date.now() > deadline) throw new Error(`no message reached ${phone}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function assertRefused(result: CallResult, error: string): void {
  assert.equal(result.status, 400, result.text);
  assert.equal(result.body.error, error, result.text);
}

describe('CAPTCHA in mode always', () => {
  let fake: FakeSiteverify;
  let sink: SmsSink;
  let rig: Awaited<ReturnType<typeof captchaServer>>;
  let n = 0;
  const phone = () => `+1415555${String(n++).padStart(4, '0')}`;

  before(async () => {
    fake = await FakeSiteverify.start();
    sink = await SmsSink.start();
    rig = await captchaServer(sink, { provider: 'turnstile', verifyUrl: fake.url, mode: 'always' });
  });
  after(async () => {
    await rig.server.stop();
    await sink.close();
    await fake.close();
  });

  it('refuses a public caller without a token with requires_captcha, asking the provider nothing', async () => {
    const to = phone();
    assertRefused(await rig.start(to), 'requires_captcha');
    assert.equal(fake.calls.length, 0);
    const [event] = await rig.events('otpline_captcha_failed', to);
    assert.equal(event?.details.rule, 'captcha');
    assert.match(event?.description ?? '', /required and not sent/);
  });

  it('refuses a token the provider does not know with invalid_captcha', async () => {
    const to = phone();
    assertRefused(await rig.start(to, { captcha: 'made-up' }), 'invalid_captcha');
    assert.deepEqual(fake.calls.at(-1), { secret: SECRET, response: 'made-up', remoteip: '203.0.113.5' });
    const [event] = await rig.events('otpline_captcha_failed', to);
    assert.match(event?.description ?? '', /invalid-input-response/);
  });

  it('sends the code for a good token in the body field captcha, verified with the secret and the caller IP', async () => {
    const to = phone();
    const token = fake.token();
    const result = await rig.start(to, { captcha: token, headers: { 'x-forwarded-for': '198.51.100.23' } });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(fake.calls.at(-1), { secret: SECRET, response: token, remoteip: '198.51.100.23' });
    assert.match(await delivered(sink, to), /^\d{6}$/);
    const again = await rig.start(phone(), { captcha: token });
    assertRefused(again, 'invalid_captcha');
  });

  it('takes the token from the x-captcha-token header too', async () => {
    const to = phone();
    const result = await rig.start(to, { headers: { 'x-captcha-token': fake.token() } });
    assert.equal(result.status, 200, result.text);
    await delivered(sink, to);
  });

  it('asks no CAPTCHA of a backend with its client secret', async () => {
    const calls = fake.calls.length;
    const to = phone();
    const result = await rig.start(to, { backend: true });
    assert.equal(result.status, 200, result.text);
    assert.equal(fake.calls.length, calls);
    await delivered(sink, to);
  });

  it('refuses every token while the provider answers with an error (fails closed)', async () => {
    fake.down = true;
    try {
      const to = phone();
      assertRefused(await rig.start(to, { captcha: fake.token() }), 'invalid_captcha');
      const [event] = await rig.events('otpline_captcha_failed', to);
      assert.match(event?.description ?? '', /HTTP 503/);
    } finally {
      fake.down = false;
    }
  });
});

describe('CAPTCHA providers', () => {
  let fake: FakeSiteverify;
  let sink: SmsSink;
  before(async () => {
    fake = await FakeSiteverify.start();
    sink = await SmsSink.start();
  });
  after(async () => {
    await sink.close();
    await fake.close();
  });

  for (const [i, provider] of ['turnstile', 'hcaptcha', 'recaptcha'].entries()) {
    it(`verifies a ${provider} token with the shared siteverify form`, async () => {
      const rig = await captchaServer(sink, { provider, verifyUrl: fake.url, mode: 'always' });
      try {
        const to = `+1415556${String(i).padStart(4, '0')}`;
        assertRefused(await rig.start(to), 'requires_captcha');
        const token = fake.token();
        const result = await rig.start(to, { captcha: token });
        assert.equal(result.status, 200, result.text);
        assert.deepEqual(fake.calls.at(-1), { secret: SECRET, response: token, remoteip: '203.0.113.5' });
        await delivered(sink, to);
      } finally {
        await rig.server.stop();
      }
    });
  }

  it('refuses every token when the verify endpoint cannot be reached (fails closed)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/siteverify`;
    const rig = await captchaServer(sink, { provider: 'turnstile', verifyUrl: closed, mode: 'always' });
    try {
      const to = '+14155569999';
      assertRefused(await rig.start(to, { captcha: 'any-token' }), 'invalid_captcha');
      assert.equal((await rig.events('otpline_captcha_failed', to)).length, 1);
    } finally {
      await rig.server.stop();
    }
  });
});

describe('CAPTCHA in mode risk', () => {
  let fake: FakeSiteverify;
  let sink: SmsSink;
  let rig: Awaited<ReturnType<typeof captchaServer>>;
  let server: TestServer;

  before(async () => {
    fake = await FakeSiteverify.start();
    sink = await SmsSink.start();
    rig = await captchaServer(
      sink,
      { provider: 'turnstile', verifyUrl: fake.url, mode: 'risk' },
      {
        conversion: {
          minSent: 3,
          minRate: 0.5,
          graceSeconds: 60,
          throttledPrefixPerHour: 1,
          throttledCountryPerHour: 100,
        },
      },
    );
    server = rig.server;
  });
  after(async () => {
    await server.stop();
    await sink.close();
    await fake.close();
  });

  it('asks no CAPTCHA until the conversion guard throttles a range, then asks it of public callers there', async () => {
    let n = 0;
    const pumped = () => `+447700900${String(n++).padStart(3, '0')}`;
    for (let i = 0; i < 3; i++) assert.equal((await rig.start(pumped())).status, 200);
    assert.equal(fake.calls.length, 0, 'no CAPTCHA while nothing is flagged');

    server.clock.advance(3 * MINUTE);
    const asked = pumped();
    assertRefused(await rig.start(asked), 'requires_captcha');
    const [refusal] = await rig.events('otpline_captcha_failed', asked);
    assert.equal(refusal?.details.rule, 'captcha');
    const [raised] = await rig.events('otpline_conversion_throttled', asked);
    assert.equal(raised?.details.key, '+4477009');

    // The next caller finds the country throttled too: one token passes both.
    for (let i = 0; i < 2; i++) {
      const to = pumped();
      const token = fake.token();
      const result = await rig.start(to, { captcha: token });
      assert.equal(result.status, 200, result.text);
      assert.equal(fake.calls.filter((c) => c.response === token).length, 1, 'verified once');
      await delivered(sink, to);
    }
    assert.equal((await rig.events('otpline_conversion_throttled', '+447700900004'))[0]?.details.key, 'GB');

    // A backend passes no CAPTCHA: it gets the throttled range's few codes an hour.
    assert.equal((await rig.start(pumped(), { backend: true })).status, 200);
    const backend = await rig.start(pumped(), { backend: true });
    assert.equal(backend.status, 429, backend.text);

    const calls = fake.calls.length;
    assert.equal((await rig.start('+14155550100')).status, 200, 'another range and country');
    assert.equal(fake.calls.length, calls);
  });
});
