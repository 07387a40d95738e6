import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { type OtplineProcess, otplineIn, runOtpline, waitHealthy } from '../helpers/process.js';
import { freePort } from '../helpers/server.js';
import { SmsSink } from '../helpers/sms-sink.js';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');
const running: OtplineProcess[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otpline-cli-'));
  dirs.push(dir);
  return dir;
}

function start(env: Record<string, string>, args: string[] = []): OtplineProcess {
  const proc = runOtpline(['start', ...args], { OTPLINE_LOG_LEVEL: 'info', ...env });
  running.push(proc);
  return proc;
}

async function json(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function adminToken(base: string, issuer: string, id: string, secret: string) {
  return json(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
      audience: `${issuer}api/v2/`,
    }),
  });
}

async function gatewayJwt(secret: string, audience: string) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(new TextEncoder().encode(secret));
}

function postMessage(base: string, token: string, body = 'Your code is 4321') {
  return fetch(`${base}/gateway/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ recipient: '+14155552671', body, sender: 'otpline' }),
  });
}

after(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('otpline start (the real program)', () => {
  it('on first start creates its data directory, database and credentials, printing only their paths', async () => {
    const dir = join(tempDir(), 'data');
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const first = start({ OTPLINE_PORT: String(port), OTPLINE_DATA_DIR: dir });
    await waitHealthy(base, first);

    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const file of ['otpline.sqlite', 'admin-credentials.json', 'gateway-credentials.json']) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    }
    const admin = JSON.parse(readFileSync(join(dir, 'admin-credentials.json'), 'utf8'));
    const gateway = JSON.parse(readFileSync(join(dir, 'gateway-credentials.json'), 'utf8'));
    assert.ok(first.output().includes(join(dir, 'admin-credentials.json')), 'the log names the file');
    assert.ok(!first.output().includes(admin.client_secret), 'the admin secret is not printed');
    assert.ok(!first.output().includes(gateway.secret), 'the gateway secret is not printed');

    const token = await adminToken(base, `${base}/`, admin.client_id, admin.client_secret);
    assert.equal(token.status, 200);
    const kid = ((await json(`${base}/.well-known/jwks.json`)).body.keys as Array<{ kid: string }>)[0]?.kid;

    // The default console provider prints what the gateway accepts.
    assert.equal((await postMessage(base, await gatewayJwt(gateway.secret, gateway.audience))).status, 200);
    const deadline = Date.now() + 5000;
    while (
      !first.output().includes('[otpline sms] to +14155552671 from otpline: Your code is 4321') &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(first.output(), /\[otpline sms\] to \+14155552671 from otpline: Your code is 4321/);

    assert.equal(await first.stop(), 0, 'SIGTERM shuts down cleanly');
    const adminFile = readFileSync(join(dir, 'admin-credentials.json'), 'utf8');
    const second = start({ OTPLINE_PORT: String(port), OTPLINE_DATA_DIR: dir });
    await waitHealthy(base, second);
    const keys = (await json(`${base}/.well-known/jwks.json`)).body.keys as Array<{ kid: string }>;
    assert.equal(keys[0]?.kid, kid, 'the signing key survives a restart');
    assert.equal(readFileSync(join(dir, 'admin-credentials.json'), 'utf8'), adminFile);
    assert.equal((await adminToken(base, `${base}/`, admin.client_id, admin.client_secret)).status, 200);
    await second.stop();
  });

  it('reads the documented environment variables, a config file, and flags over both', async () => {
    const dir = tempDir();
    const sink = await SmsSink.start();
    try {
      const port = await freePort();
      const configFile = join(dir, 'otpline.json');
      writeFileSync(
        configFile,
        JSON.stringify({ provider: { name: 'webhook', webhook: { url: `${sink.url}/hook` } } }),
      );
      const issuer = `https://localhost:${port}`;
      const proc = start(
        {
          OTPLINE_PORT: '1', // the flag wins
          OTPLINE_HOST: '127.0.0.1',
          OTPLINE_DATA_DIR: join(dir, 'ignored'),
          OTPLINE_ISSUER: issuer,
          OTPLINE_CONFIG: configFile,
          OTPLINE_ADMIN_CLIENT_ID: 'ops-admin',
          OTPLINE_ADMIN_CLIENT_SECRET: 'ops-admin-secret-0123456789',
          OTPLINE_GATEWAY_SECRET: 'ops-gateway-secret-0123456789',
          OTPLINE_GATEWAY_AUDIENCE: 'urn:ops:gateway',
          OTPLINE_TLS_CERT: join(certs, 'localhost.pem'),
          OTPLINE_TLS_KEY: join(certs, 'localhost-key.pem'),
        },
        ['--port', String(port), '--data-dir', join(dir, 'data')],
      );
      await waitHealthy(issuer, proc);
      const discovery = await json(`${issuer}/.well-known/openid-configuration`);
      assert.equal(discovery.body.issuer, `${issuer}/`, 'the issuer gets its trailing slash');
      assert.equal(
        (await adminToken(issuer, `${issuer}/`, 'ops-admin', 'ops-admin-secret-0123456789')).status,
        200,
      );
      assert.equal(statSync(join(dir, 'data', 'otpline.sqlite')).isFile(), true, '--data-dir wins');
      assert.throws(() => statSync(join(dir, 'data', 'admin-credentials.json')), 'no generated admin file');

      assert.equal(
        (await postMessage(issuer, await gatewayJwt('ops-gateway-secret-0123456789', 'urn:ops:gateway')))
          .status,
        200,
      );
      assert.equal(
        (await postMessage(issuer, await gatewayJwt('ops-gateway-secret-0123456789', 'urn:other'))).status,
        401,
      );
      await sink.waitFor(1);
      assert.equal(sink.last().path, '/hook');
      assert.equal(sink.last().body.body, 'Your code is 4321');
    } finally {
      await sink.close();
    }
  });

  it('rotates the signing key with `otpline keys rotate`; tokens signed before still verify', async () => {
    const dir = join(tempDir(), 'data');
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const env = {
      OTPLINE_PORT: String(port),
      OTPLINE_DATA_DIR: dir,
      OTPLINE_ADMIN_CLIENT_ID: 'rot-admin',
      OTPLINE_ADMIN_CLIENT_SECRET: 'rot-admin-secret-0123456789',
    };
    const first = start(env);
    await waitHealthy(base, first);
    const before = (await adminToken(base, `${base}/`, 'rot-admin', 'rot-admin-secret-0123456789')).body
      .access_token as string;
    await first.stop();

    const rotate = runOtpline(['keys', 'rotate'], env);
    running.push(rotate);
    assert.equal(await rotate.exited, 0, rotate.output());
    const kid = /new signing key (\S+);/.exec(rotate.output())?.[1];
    assert.ok(kid, rotate.output());

    const second = start(env);
    await waitHealthy(base, second);
    const keys = (await json(`${base}/.well-known/jwks.json`)).body.keys as Array<{ kid: string }>;
    assert.equal(keys.length, 2, 'the old key stays published');
    const after = (await adminToken(base, `${base}/`, 'rot-admin', 'rot-admin-secret-0123456789')).body
      .access_token as string;
    assert.equal(decodeProtectedHeader(after).kid, kid, 'new tokens use the new key');
    assert.notEqual(decodeProtectedHeader(before).kid, kid);
    const list = await fetch(`${base}/api/v2/clients`, { headers: { authorization: `Bearer ${before}` } });
    assert.equal(list.status, 200, 'a token signed with the old key still works');
    await second.stop();
  });

  it('refuses a bad setting with a clear message and a non-zero exit', async () => {
    const proc = start({ OTPLINE_PORT: 'abc', OTPLINE_DATA_DIR: join(tempDir(), 'data') });
    assert.equal(await proc.exited, 2);
    assert.match(proc.output(), /OTPLINE_PORT must be a whole number, got "abc"/);
  });
});

describe('crash durability', () => {
  /**
   * otpline in a fresh data directory, delivering to `sink` with the given outbox settings, that
   * has accepted one gateway message with `text`; `messageNow` reads that message back through
   * the Management API, `sentWithin` waits for it to be sent.
   */
  async function acceptedOne(sink: SmsSink, name: string, outbox: Record<string, number>, text: string) {
    const admin = { clientId: `${name}-admin`, clientSecret: `${name}-admin-secret-0123456789` };
    const secret = `${name}-gateway-secret-0123456789`;
    const { base, env } = await otplineIn(tempDir(), {
      provider: { name: 'webhook', webhook: { url: sink.url } },
      outbox,
      admin,
      gateway: { secret },
    });
    const first = start(env);
    await waitHealthy(base, first);
    const accepted = await postMessage(base, await gatewayJwt(secret, `${base}/gateway/sms`), text);
    assert.equal(accepted.status, 200);
    const { id } = (await accepted.json()) as { id: string };
    const messageNow = async (): Promise<Record<string, unknown>> => {
      const token = (await adminToken(base, `${base}/`, admin.clientId, admin.clientSecret)).body
        .access_token as string;
      return (
        await json(`${base}/api/v2/sms-messages/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).body;
    };
    const sentWithin = async (ms: number): Promise<Record<string, unknown>> => {
      let message: Record<string, unknown> = {};
      for (const deadline = Date.now() + ms; message.status !== 'sent' && Date.now() < deadline; ) {
        message = await messageNow();
        await new Promise((r) => setTimeout(r, 50));
      }
      return message;
    };
    return { base, env, first, id, messageNow, sentWithin };
  }

  it('delivers a message accepted before a kill -9, after the restart', async () => {
    const sink = await SmsSink.start();
    sink.defaultStatus = 503;
    try {
      // A short lease: a claim held by the killed process returns to the queue after a second.
      const outbox = { pollIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 200, leaseMs: 1000 };
      const { base, env, first, id, sentWithin } = await acceptedOne(sink, 'crash', outbox, 'survive 987654');
      // A second try means the first one was recorded: kill it mid-retry.
      await sink.waitFor(2);
      first.child.kill('SIGKILL');
      await first.exited;

      sink.defaultStatus = 200;
      const failuresBefore = sink.received.length;
      const second = start(env);
      await waitHealthy(base, second);
      await sink.waitFor(failuresBefore + 1);
      assert.equal(sink.last().body.body, 'survive 987654');
      assert.equal(sink.last().body.id, id);

      const message = await sentWithin(5000);
      assert.equal(message.status, 'sent');
      assert.ok((message.attempts as unknown[]).length >= 2, 'the attempts before the crash are kept');
      await second.stop();
    } finally {
      await sink.close();
    }
  });

  it('sends at the restart a message the killed process was sending, without waiting out its lease', async () => {
    const sink = await SmsSink.start();
    // The provider holds its answer: the message is mid-send when the process dies.
    sink.delayMs = 3000;
    try {
      // A lease far longer than this test: only the restart can give the message back.
      const outbox = { pollIntervalMs: 50, leaseMs: 600_000 };
      const { base, env, first, messageNow, sentWithin } = await acceptedOne(
        sink,
        'lease',
        outbox,
        'in flight 246810',
      );
      assert.equal((await messageNow()).status, 'processing', 'leased to the worker that is sending it');
      first.child.kill('SIGKILL');
      await first.exited;

      sink.delayMs = 0;
      const second = start(env);
      await waitHealthy(base, second);
      const message = await sentWithin(8000);
      assert.equal(
        message.status,
        'sent',
        'sent by the restarted process, ten minutes before the lease ends',
      );
      assert.ok(sink.received.some((r) => r.body.body === 'in flight 246810'));
      assert.match(second.output(), /messages an earlier process was sending when it stopped go out again/);
      await second.stop();
    } finally {
      await sink.close();
    }
  });
});
