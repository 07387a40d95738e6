import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createClient, createConnection, localSetup } from './helpers/flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';
const WRONG = { error: 'invalid_grant', error_description: 'Wrong phone number or verification code.' };

describe('passwordless codes and their limits', () => {
  let server: TestServer;
  let sink: SmsSink;
  let client: { client_id: string };
  let phoneSeq = 100;
  let phone: string;

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({ provider: { name: 'webhook', webhook: { url: sink.url } } });
    client = await localSetup(server, { totp: { time_step: 300, length: 6 }, brute_force_protection: true });
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });
  beforeEach(() => {
    phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
  });

  /** Asks for a code and returns it as the phone receives it (through the outbox and the webhook provider). */
  async function sendCode(to = phone, connection = 'sms'): Promise<string> {
    const count = sink.received.length;
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection, phone_number: to },
    });
    assert.equal(start.status, 200, start.text);
    await sink.waitFor(count + 1);
    const delivered = sink.received.filter((r) => r.body.to === to).at(-1);
    return codeIn(delivered?.body.body);
  }

  function login(otp: string, to = phone) {
    return server.call('POST', '/oauth/token', {
      json: {
        grant_type: OTP,
        client_id: client.client_id,
        realm: 'sms',
        username: to,
        otp,
        scope: 'openid',
      },
    });
  }

  it('delivers the rendered template through the outbox, with a code of totp.length digits', async () => {
    const code = await sendCode();
    assert.match(code, /^\d{6}$/);
    assert.equal(sink.last().body.body, `Code: ${code}`);
    assert.equal((await login(code)).status, 200);
  });

  it("falls back to Auth0's defaults for a connection with no options (provider twilio, 6 digits, default text)", async () => {
    await createConnection(server, { name: 'plain', strategy: 'sms', enabled_clients: [client.client_id] });
    const code = await sendCode(phone, 'plain');
    assert.match(code, /^\d{6}$/);
    assert.equal(sink.last().body.body, `Your verification code is: ${code}`);
    const login = await server.call('POST', '/oauth/token', {
      json: { grant_type: OTP, client_id: client.client_id, realm: 'plain', username: phone, otp: code },
    });
    assert.equal(login.status, 200, login.text);
    server.clock.advance(181_000);
    const expired = await sendCode(phone, 'plain');
    server.clock.advance(181_000);
    const late = await server.call('POST', '/oauth/token', {
      json: { grant_type: OTP, client_id: client.client_id, realm: 'plain', username: phone, otp: expired },
    });
    assert.deepEqual(late.body, WRONG, 'codes live 3 minutes by default');
  });

  it('accepts only the latest code', async () => {
    const first = await sendCode();
    const second = await sendCode();
    if (first !== second) {
      const old = await login(first);
      assert.equal(old.status, 403);
      assert.deepEqual(old.body, WRONG);
    }
    assert.equal((await login(second)).status, 200);
  });

  it('voids a code after 3 wrong attempts, as Auth0 does', async () => {
    const code = await sendCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const result = await login(wrong);
      assert.equal(result.status, 403);
      assert.deepEqual(result.body, WRONG);
    }
    const late = await login(code);
    assert.equal(late.status, 403, 'the right code no longer works');
    assert.deepEqual(late.body, WRONG);
  });

  it('lets a code expire after totp.time_step seconds', async () => {
    const code = await sendCode();
    server.clock.advance(301_000);
    assert.deepEqual((await login(code)).body, WRONG);
  });

  it('blocks a phone after 10 failures, for new codes and logins, until the block period passes', async () => {
    for (let round = 0; round < 4; round++) {
      await sendCode();
      for (let i = 0; i < 3 && round * 3 + i < 10; i++) assert.equal((await login('999999')).status, 403);
    }
    const blocked = await login('999999');
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error, 'too_many_attempts');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms', phone_number: phone },
    });
    assert.equal(start.status, 429);
    assert.equal(start.body.error, 'too_many_attempts');

    server.clock.advance(901_000);
    const code = await sendCode();
    assert.equal((await login(code)).status, 200, 'the block lifts after 15 minutes');
  });

  it('sends at most 5 codes per phone per 10 minutes', async () => {
    for (let i = 0; i < 5; i++) await sendCode();
    const sixth = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms', phone_number: phone },
    });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error, 'too_many_requests');
    server.clock.advance(601_000);
    await sendCode();
  });

  it('binds a code to the connection and the application that asked for it', async () => {
    const other = await createClient(server, { name: 'Other App' });
    await server.call('PATCH', `/api/v2/connections/${await connectionId(server, 'sms')}`, {
      token: await server.adminToken(),
      json: { enabled_clients: [client.client_id, other.client_id] },
    });
    const code = await sendCode();
    const stolen = await server.call('POST', '/oauth/token', {
      json: { grant_type: OTP, client_id: other.client_id, realm: 'sms', username: phone, otp: code },
    });
    assert.equal(stolen.status, 403);
    assert.deepEqual(stolen.body, WRONG);
  });
});

async function connectionId(server: TestServer, name: string): Promise<string> {
  const list = await server.call('GET', `/api/v2/connections?name=${name}`, {
    token: await server.adminToken(),
  });
  return list.body[0].id;
}

describe('connection and client rules at /passwordless/start', () => {
  let server: TestServer;
  let client: { client_id: string; client_secret: string };

  before(async () => {
    server = await startTestServer();
    client = await localSetup(server);
    await createConnection(server, {
      name: 'closed',
      strategy: 'sms',
      options: { disable_signup: true },
      enabled_clients: [client.client_id],
    });
    await createConnection(server, {
      name: 'not-enabled',
      strategy: 'sms',
      options: {},
      enabled_clients: [],
    });
  });
  after(async () => server.stop());

  const start = (body: Record<string, unknown>) =>
    server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms', phone_number: '+14155552671', ...body },
    });

  it('refuses unknown phones when disable_signup is on', async () => {
    const result = await start({ connection: 'closed' });
    assert.equal(result.status, 400);
    assert.equal(result.body.error, 'access_denied');
  });

  it('refuses clients the connection does not enable, and unknown connections and clients', async () => {
    assert.deepEqual((await start({ connection: 'not-enabled' })).body, {
      error: 'bad.connection',
      error_description: 'Connection is disabled',
    });
    assert.deepEqual((await start({ connection: 'nope' })).body, {
      error: 'bad.connection',
      error_description: 'Connection does not exist',
    });
    const unknown = await start({ client_id: 'no-such-client' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'bad.client_id');
  });

  it('checks a client secret when one is sent', async () => {
    assert.equal((await start({ client_secret: 'wrong' })).status, 401);
    assert.equal((await start({ client_secret: client.client_secret })).status, 200);
  });

  it('refuses a client without the passwordless grant', async () => {
    const m2m = await createClient(server, { name: 'backend', app_type: 'non_interactive' });
    await server.call('PATCH', `/api/v2/connections/${await connectionId(server, 'sms')}`, {
      token: await server.adminToken(),
      json: { enabled_clients: [client.client_id, m2m.client_id] },
    });
    const result = await start({ client_id: m2m.client_id });
    assert.equal(result.status, 403);
    assert.deepEqual(result.body, {
      error: 'unauthorized_client',
      error_description:
        "Grant type 'http://auth0.com/oauth/grant-type/passwordless/otp' not allowed for the client.",
    });
  });

  it('limits callers without a client secret per IP', async () => {
    const limited = await startTestServer({ limits: { startsPerIpWithoutSecret: 3 } });
    try {
      const app = await localSetup(limited);
      const call = (n: number) =>
        limited.call('POST', '/passwordless/start', {
          json: { client_id: app.client_id, connection: 'sms', phone_number: `+1415555000${n}` },
        });
      for (let i = 0; i < 3; i++) assert.equal((await call(i)).status, 200);
      const fourth = await call(4);
      assert.equal(fourth.status, 429);
      assert.equal(fourth.body.error, 'too_many_requests');

      // A backend with its secret is not limited by its own IP, but by the user IP it forwards.
      const backend = await createClient(limited, { name: 'backend', app_type: 'regular_web' });
      await limited.call('PATCH', `/api/v2/connections/${await connectionId(limited, 'sms')}`, {
        token: await limited.adminToken(),
        json: { enabled_clients: [app.client_id, backend.client_id] },
      });
      const forward = (n: number, ip: string, secret = backend.client_secret) =>
        limited.call('POST', '/passwordless/start', {
          json: {
            client_id: backend.client_id,
            client_secret: secret,
            connection: 'sms',
            phone_number: `+1415555100${n}`,
          },
          headers: { 'auth0-forwarded-for': ip },
        });
      for (let i = 0; i < 3; i++) assert.equal((await forward(i, '203.0.113.7')).status, 200);
      assert.equal((await forward(3, '203.0.113.7')).status, 429, 'the forwarded IP is limited');
      assert.equal((await forward(4, '203.0.113.8')).status, 200, 'another user IP is not');
      const spoofed = await limited.call('POST', '/passwordless/start', {
        json: { client_id: app.client_id, connection: 'sms', phone_number: '+14155551006' },
        headers: { 'auth0-forwarded-for': '198.51.100.1' },
      });
      assert.equal(spoofed.status, 429, 'the header is ignored from callers without a secret');
    } finally {
      await limited.stop();
    }
  });
});
