// Two real otpline processes on one PostgreSQL database, as behind a load balancer: a login and
// its limits span both nodes, the gateway's idempotency holds across them, and the outbox loses
// nothing when one node is killed mid-delivery. Runs on the PostgreSQL pass of the suite only
// (node scripts/run-tests.mjs --backend=postgres test/process/cluster.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import pg from 'pg';
import { systemClock } from '../../src/util/clock.js';
import { dropTestDatabase, testBackend, testDatabaseUrl, VOLUME_RULES_OFF } from '../helpers/postgres.js';
import { type OtplineProcess, runOtpline, waitHealthy } from '../helpers/process.js';
import {
  ADMIN,
  type CallResult,
  freePort,
  GATEWAY_SECRET,
  gatewayToken,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';
import { codeIn } from '../helpers/sms-sink.js';
import { until } from '../helpers/wait.js';

const skip = testBackend() === 'postgres' ? false : 'needs PostgreSQL (the suite’s --backend=postgres pass)';
/** The public URL of the cluster (its load balancer): both nodes issue tokens under it. */
const ISSUER = 'https://otpline.cluster.test/';
const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';
const WRONG = { error: 'invalid_grant', error_description: 'Wrong phone number or verification code.' };
/**
 * Short, so that the dead node's messages come back soon, but not too short: a send may take until
 * a second before its lease ends, and one given up on after reaching the phone goes out again. On a
 * busy 2-core machine a send can take 2 s to reach the receiver, so 3 s gave false duplicates.
 */
const LEASE_MS = 10_000;
const BATCH_SIZE = 50;

/** One delivery at the webhook receiver: which node sent it (the path), what and when. */
interface Arrival {
  node: string;
  to: string;
  body: string;
  at: number;
}

/**
 * The webhook receiver both nodes deliver to, each on a path of its own (`/a`, `/b`), recording
 * the time of every arrival so that two deliveries of one message can be told apart in time.
 */
class DeliveryLog {
  readonly arrivals: Arrival[] = [];
  /** How long it takes to answer, as a real SMS API does: a node can die between our receipt and its. */
  answerDelayMs = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<DeliveryLog> {
    const server = createServer();
    const log = new DeliveryLog(server);
    server.on('request', (req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      // A node killed mid-request leaves its request unfinished: it is not a delivery.
      req.on('error', () => {});
      req.on('end', () => {
        const body = JSON.parse(raw) as { to: string; body: string };
        log.arrivals.push({ node: (req.url ?? '').slice(1), to: body.to, body: body.body, at: Date.now() });
        const id = `sink-${log.arrivals.length}`;
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id }));
        }, log.answerDelayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return log;
  }

  urlFor(node: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${node}`;
  }

  to(phone: string): Arrival[] {
    return this.arrivals.filter((a) => a.to === phone);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Node {
  name: string;
  base: string;
  proc: OtplineProcess;
}

/** Polls `check` until it is true; fails with `what` after `timeoutMs`. */
async function call(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as any };
}

function gatewayJwt(): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(`${ISSUER}gateway/sms`)
    .setIssuedAt()
    .sign(new TextEncoder().encode(GATEWAY_SECRET));
}

type Cluster = ReturnType<typeof cluster>;

/** A cluster's shared database, the temp directories of its nodes, and everything to stop after. */
function cluster(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const procs: OtplineProcess[] = [];
  return {
    root,
    /** Starts `otpline start` as node `name` on the shared database, delivering to `sink`. */
    async start(name: string, databaseUrl: string, sink: DeliveryLog, config: object): Promise<Node> {
      const port = await freePort();
      const configFile = join(root, `${name}.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const proc = runOtpline(['start'], {
        OTPLINE_PORT: String(port),
        OTPLINE_HOST: '127.0.0.1',
        OTPLINE_DATA_DIR: join(root, name),
        OTPLINE_ISSUER: ISSUER,
        OTPLINE_CONFIG: configFile,
        OTPLINE_DATABASE_URL: databaseUrl,
        OTPLINE_GATEWAY_SECRET: GATEWAY_SECRET,
        OTPLINE_ADMIN_CLIENT_ID: ADMIN.client_id,
        OTPLINE_ADMIN_CLIENT_SECRET: ADMIN.client_secret,
        OTPLINE_ALLOWED_COUNTRIES: 'US',
        OTPLINE_PROVIDER: 'webhook',
        OTPLINE_WEBHOOK_URL: sink.urlFor(name),
        OTPLINE_LOG_LEVEL: 'warn',
      });
      procs.push(proc);
      const base = `http://127.0.0.1:${port}`;
      await waitHealthy(base, proc);
      return { name, base, proc };
    },
    async stop(): Promise<void> {
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
      await dropTestDatabase(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

describe('two otpline processes on one PostgreSQL database', { skip }, () => {
  let nodes: Cluster | undefined;
  let sink: DeliveryLog;
  let db: pg.Pool;
  let a: Node;
  let b: Node;
  let clientId: string;
  let phoneSeq = 0;
  const nextPhone = () => `+1415555${String(7000 + phoneSeq++).padStart(4, '0')}`;

  before(async () => {
    nodes = cluster('otpline-cluster-');
    sink = await DeliveryLog.start();
    const url = (await testDatabaseUrl(nodes.root)) as string;
    db = new pg.Pool({ connectionString: url, max: 2 });
    const config = {
      outbox: { leaseMs: LEASE_MS, batchSize: BATCH_SIZE },
      // The load test sends 2,000 messages to one country: the anti-pumping caps are not under test.
      abuse: VOLUME_RULES_OFF,
    };
    // Both nodes start at once on an empty database, as a cluster comes up.
    [a, b] = await Promise.all([nodes.start('a', url, sink, config), nodes.start('b', url, sink, config)]);
    const token = await call(a.base, '/oauth/token', {
      grant_type: 'client_credentials',
      ...ADMIN,
      audience: `${ISSUER}api/v2/`,
    });
    assert.equal(token.status, 200, token.text);
    const auth = { authorization: `Bearer ${token.body.access_token}` };
    const client = await call(a.base, '/api/v2/clients', { name: 'My App', app_type: 'native' }, auth);
    assert.equal(client.status, 201, client.text);
    clientId = client.body.client_id;
    const connection = await call(
      a.base,
      '/api/v2/connections',
      {
        name: 'sms',
        strategy: 'sms',
        options: {
          provider: 'sms_gateway',
          gateway_url: `${ISSUER}gateway/sms`,
          template: 'Code: @@password@@',
          totp: { time_step: 300, length: 6 },
          brute_force_protection: true,
        },
        enabled_clients: [clientId],
      },
      auth,
    );
    assert.equal(connection.status, 201, connection.text);
  });
  after(async () => {
    // Our own connections first: dropping the database ends any still open.
    await Promise.all([sink?.close(), db?.end()]);
    await nodes?.stop();
  });

  function start(node: Node, phone: string) {
    return call(node.base, '/passwordless/start', {
      client_id: clientId,
      connection: 'sms',
      phone_number: phone,
    });
  }

  function login(node: Node, phone: string, otp: string) {
    return call(node.base, '/oauth/token', {
      grant_type: OTP,
      client_id: clientId,
      realm: 'sms',
      username: phone,
      otp,
      scope: 'openid',
    });
  }

  /** Asks `node` for a code and returns it as the phone receives it. */
  async function codeFrom(node: Node, phone: string): Promise<string> {
    const count = sink.to(phone).length;
    const started = await start(node, phone);
    assert.equal(started.status, 200, started.text);
    await until(
      () => sink.to(phone).length > count,
      10_000,
      () => `no code reached ${phone}`,
    );
    return codeIn(sink.to(phone).at(-1)?.body);
  }

  it('verifies on node B a code asked on node A, with a token both nodes publish the key of', async () => {
    const phone = nextPhone();
    const code = await codeFrom(a, phone);
    const result = await login(b, phone, code);
    assert.equal(result.status, 200, result.text);
    const { payload } = await jwtVerify(
      result.body.id_token,
      createRemoteJWKSet(new URL(`${b.base}/.well-known/jwks.json`)),
      { issuer: ISSUER, audience: clientId },
    );
    assert.equal(payload.phone_number, phone);
    const jwks = async (node: Node) => (await fetch(`${node.base}/.well-known/jwks.json`)).json();
    assert.deepEqual(await jwks(a), await jwks(b), 'one key set, whichever node answers');
  });

  it('voids a code after 3 wrong guesses in all, however they are spread over the nodes', async () => {
    const phone = nextPhone();
    const code = await codeFrom(b, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (const node of [a, b, a]) {
      const guess = await login(node, phone, wrong);
      assert.equal(guess.status, 403, guess.text);
      assert.deepEqual(guess.body, WRONG);
    }
    const late = await login(b, phone, code);
    assert.equal(late.status, 403, 'the right code no longer works on either node');
    assert.deepEqual(late.body, WRONG);
  });

  it('holds the per-phone send limit (5 per 10 minutes) across nodes', async () => {
    const phone = nextPhone();
    for (const node of [a, b, a, b, a]) assert.equal((await start(node, phone)).status, 200);
    const sixth = await start(b, phone);
    assert.equal(sixth.status, 429, sixth.text);
    assert.equal(sixth.body.error, 'too_many_requests');
    assert.equal((await start(a, phone)).status, 429, 'node A refuses it too');
  });

  it('answers a gateway retry on another node with the message already stored, sent once', async () => {
    const token = await gatewayJwt();
    const post = (node: Node, key: string, phone: string) =>
      call(
        node.base,
        '/gateway/sms',
        { recipient: phone, body: `retry ${key}` },
        { authorization: `Bearer ${token}`, 'idempotency-key': key },
      );
    const phone = nextPhone();
    const first = await post(a, 'cluster-retry-1', phone);
    const retry = await post(b, 'cluster-retry-1', phone);
    assert.equal(first.status, 200, first.text);
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.body.id, first.body.id);

    // The same key on both nodes at the same moment: one message still.
    const racing = nextPhone();
    const both = await Promise.all([post(a, 'cluster-retry-2', racing), post(b, 'cluster-retry-2', racing)]);
    assert.deepEqual(
      both.map((r) => r.status),
      [200, 200],
    );
    assert.equal(both[0]?.body.id, both[1]?.body.id);

    await until(
      () => sink.to(phone).length > 0 && sink.to(racing).length > 0,
      10_000,
      () => 'the messages were not delivered',
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.to(phone).length, 1, 'delivered once');
    assert.equal(sink.to(racing).length, 1, 'delivered once');
  });

  // Last: it kills node A.
  it('delivers every accepted message when a node is killed mid-delivery, twice only what the dead node held', async (t) => {
    const TOTAL = 2000;
    const IN_FLIGHT = 16;
    const KILL_AFTER = 1000;
    const token = await gatewayJwt();
    const began = Date.now();
    const accepted = new Set<string>();
    /** Posts to A that got no answer: A died before answering (it may have stored them). */
    const lostOnA = new Set<string>();
    const refused: string[] = [];
    let killedAt: number | undefined;
    let held: Promise<Map<string, number>> | undefined;
    /** For a failure's message: the leases when A had died, and the owners judged alive. */
    let leasesAtKill = new Map<string, { owner: string; until: number }>();
    const liveOwners = new Set<string>();
    let next = 0;
    sink.answerDelayMs = 50;

    /** The messages leased (marker to lease owner and end). */
    const leased = async () => {
      const { rows } = await db.query<{ body: string; lease_owner: string; lease_until: string }>(
        `select body, lease_owner, lease_until from messages where status = 'processing' and body like 'load msg %'`,
      );
      return new Map(rows.map((r) => [r.body, { owner: r.lease_owner, until: Number(r.lease_until) }]));
    };
    /**
     * The messages A held when it died (marker to lease end). Lease owners are random, so B's is
     * told by what it leases after A is gone: a lease ending more than a lease's length after A's
     * exit was taken after it (the kill's own time will not do: the signal takes a moment to land,
     * and A can lease or renew a message in that moment).
     */
    async function heldByTheDead(): Promise<Map<string, number>> {
      await a.proc.exited;
      const exited = Date.now();
      const atKill = await leased();
      leasesAtKill = atKill;
      const live = liveOwners;
      for (
        const end = Date.now() + LEASE_MS / 2;
        Date.now() < end || (live.size === 0 && Date.now() < end + 10_000);
      ) {
        for (const lease of (await leased()).values())
          if (lease.until > exited + LEASE_MS) live.add(lease.owner);
        await new Promise((r) => setTimeout(r, 50));
      }
      const dead = new Map<string, number>();
      for (const [text, lease] of atKill) if (!live.has(lease.owner)) dead.set(text, lease.until);
      return dead;
    }
    const marker = (i: number) => `load msg ${String(i).padStart(4, '0')}`;
    async function lane(): Promise<void> {
      while (next < TOTAL) {
        const i = next++;
        const node = killedAt === undefined && i % 2 === 0 ? a : b;
        const text = marker(i);
        try {
          const result = await call(
            node.base,
            '/gateway/sms',
            { recipient: `+1628555${String(i).padStart(4, '0')}`, body: text },
            { authorization: `Bearer ${token}` },
          );
          if (result.status === 200) accepted.add(text);
          else refused.push(`${node.name} ${text}: ${result.status} ${result.text}`);
        } catch (err) {
          if (node === a && killedAt !== undefined) lostOnA.add(text);
          else refused.push(`${node.name} ${text}: ${(err as Error).message}`);
        }
        if (killedAt === undefined && accepted.size >= KILL_AFTER) {
          killedAt = Date.now();
          a.proc.child.kill('SIGKILL');
          held = heldByTheDead();
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    const posted = Date.now();
    assert.deepEqual(refused, [], 'B accepts everything; A fails only the posts it died in');
    assert.ok(killedAt !== undefined && lostOnA.size <= IN_FLIGHT);
    assert.equal(await a.proc.exited, null, 'node A died of SIGKILL');

    // Done when the outbox holds nothing to deliver: the dead node's leases ran out and B took them.
    const pending = async () => {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from messages where status in ('queued', 'processing')`,
      );
      return rows[0]?.n ?? -1;
    };
    await until(
      async () => (await pending()) === 0,
      90_000,
      () =>
        `${accepted.size - new Set(sink.arrivals.map((x) => x.body)).size} accepted messages not delivered`,
    );
    const finished = Date.now();
    // A redelivery after the last message is recorded would be a bug: give it a moment to show.
    await new Promise((r) => setTimeout(r, 1000));

    const byMarker = new Map<string, Arrival[]>();
    for (const arrival of sink.arrivals) {
      if (!arrival.body.startsWith('load msg ')) continue;
      byMarker.set(arrival.body, [...(byMarker.get(arrival.body) ?? []), arrival]);
    }
    const missing = [...accepted].filter((m) => !byMarker.has(m));
    assert.deepEqual(missing, [], 'every accepted message reached the phone');
    const unasked = [...byMarker.keys()].filter((m) => !accepted.has(m) && !lostOnA.has(m));
    assert.deepEqual(unasked, [], 'nothing was delivered that was not posted');

    const { rows } = await db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from messages where body_redacted like 'load msg %' group by status`,
    );
    assert.deepEqual(rows, [{ status: 'sent', n: byMarker.size }], 'every stored message ended sent');

    // A keeps at most one batch in flight; what it held when it died, B delivers once the lease is
    // over (every accepted message was delivered, above; a write A sent just before it died may
    // still have landed after the snapshot, so B need not deliver each).
    const deadLeases = (await held) ?? new Map<string, number>();
    assert.ok(deadLeases.size <= BATCH_SIZE, `A held ${deadLeases.size} messages: more than its batch`);
    for (const [text, leaseUntil] of deadLeases) {
      for (const byB of byMarker.get(text)?.filter((x) => x.node === 'b') ?? []) {
        assert.ok(
          byB.at >= leaseUntil,
          `${text}: B delivered it ${leaseUntil - byB.at} ms before A's lease ended`,
        );
      }
    }
    /** What the phone and the store saw of one message, its times from the kill: for a failure. */
    const story = async (text: string) => {
      const at = (ms: number | string) => `${Number(ms) - (killedAt ?? 0)} ms`;
      const { rows: attempts } = await db.query<{
        attempt: number;
        outcome: string;
        detail: string | null;
        started_at: string;
        finished_at: string;
      }>(
        `select a.attempt, a.outcome, a.detail, a.started_at, a.finished_at from message_attempts a
         join messages m on m.id = a.message_id where m.recipient = $1 order by a.attempt`,
        [`+1628555${text.slice(-4)}`],
      );
      return JSON.stringify({
        arrivals: byMarker.get(text)?.map((x) => `${x.node} at ${at(x.at)}`),
        attempts: attempts.map(
          (r) => `#${r.attempt} ${r.outcome} ${at(r.started_at)}..${at(r.finished_at)} ${r.detail ?? ''}`,
        ),
        leaseAtKill: ((lease) => lease && `${lease.owner} until ${at(lease.until)}`)(leasesAtKill.get(text)),
        liveOwners: [...liveOwners],
      });
    };
    const duplicates = [...byMarker].filter(([, arrivals]) => arrivals.length > 1);
    for (const [text, [first, ...later]] of duplicates) {
      if (!deadLeases.has(text))
        assert.fail(`${text}: delivered twice, but not one A held when killed: ${await story(text)}`);
      assert.equal(first?.node, 'a', `${text}: the first delivery was the dead node's`);
      for (const again of later) assert.equal(again.node, 'b', `${text}: redelivered by the live node`);
    }
    assert.ok(duplicates.length <= BATCH_SIZE, `${duplicates.length} duplicates: more than A's batch`);

    t.diagnostic(
      `posted ${TOTAL}, accepted ${accepted.size}, lost with A ${lostOnA.size} (of which delivered ${
        [...lostOnA].filter((m) => byMarker.has(m)).length
      }), delivered ${byMarker.size} distinct / ${[...byMarker.values()].flat().length} in all; A held ${deadLeases.size} when killed, of which ${duplicates.length} had reached the phone (delivered twice)`,
    );
    t.diagnostic(
      `A killed after ${(killedAt ?? 0) - began} ms; posting took ${posted - began} ms; outbox empty ${
        finished - began
      } ms after the first post`,
    );
  });
});

describe('a message stored on one node wakes the worker of another at once (LISTEN/NOTIFY)', { skip }, () => {
  let nodes: Cluster | undefined;
  let sink: DeliveryLog;
  let worker: Node;
  let poster: TestServer | undefined;

  before(async () => {
    nodes = cluster('otpline-wakeup-');
    sink = await DeliveryLog.start();
    const url = (await testDatabaseUrl(nodes.root)) as string;
    // The worker node's poll would find a message only after 10 minutes: only a wakeup is quick.
    worker = await nodes.start('worker', url, sink, { outbox: { pollIntervalMs: 600_000 } });
    // A node that stores messages and runs no worker of its own.
    poster = await startTestServer(
      {
        issuer: ISSUER,
        database: { url },
        provider: { name: 'webhook', webhook: { url: sink.urlFor('poster') } },
        outbox: { pollIntervalMs: 600_000 },
      },
      { noWorker: true, clock: systemClock },
    );
  });
  after(async () => {
    await poster?.stop();
    await nodes?.stop().finally(() => sink?.close());
  });

  it("delivers a message posted on a node without a worker within 2 s, through the other node's worker", async () => {
    const server = poster;
    assert.ok(server);
    const token = await gatewayToken(server);
    for (let i = 0; i < 3; i++) {
      const phone = `+1415555${String(8000 + i).padStart(4, '0')}`;
      const posted = Date.now();
      const result: CallResult = await server.call('POST', '/gateway/sms', {
        token,
        json: { recipient: phone, body: `wake ${i}` },
      });
      assert.equal(result.status, 200, result.text);
      await until(
        () => sink.to(phone).length > 0,
        2000,
        () => `message ${i} was not delivered within 2 s of its post`,
      );
      assert.equal(sink.to(phone)[0]?.node, 'worker');
      assert.ok(Date.now() - posted < 2000);
    }
    assert.ok(worker.proc.child.exitCode === null);
  });
});
