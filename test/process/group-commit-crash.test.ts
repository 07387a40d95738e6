import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { dropTestDatabase, testBackend, testDatabaseUrl, VOLUME_RULES_OFF } from '../helpers/postgres.js';
import { type OtplineProcess, otplineIn, runOtpline, waitHealthy } from '../helpers/process.js';
import { SmsSink } from '../helpers/sms-sink.js';

// The promise of `POST /gateway/sms`: a 200 means the message is on disk, and survives a kill -9.
// On SQLite the writes of one event-loop turn share one transaction committed at the turn's end
// (group commit), and each reply waits for the commit holding its writes (src/http/durable-replies.ts).
// Hundreds of concurrent requests put many of them in each turn; the program is killed while the
// replies come in, and every message answered 200 must be there after the restart.

const ADMIN = { id: 'gc-admin', secret: 'gc-admin-secret-0123456789' };
const GATEWAY_SECRET = 'gc-gateway-secret-0123456789';
const MESSAGES = 300;

const running: OtplineProcess[] = [];
const dirs: string[] = [];

after(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  for (const dir of dirs) {
    await dropTestDatabase(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh data directory (and, on PostgreSQL, a database of its own), and a way to (re)start on it. */
async function setUp(sink: SmsSink) {
  const dir = mkdtempSync(join(tmpdir(), 'otpline-gc-crash-'));
  dirs.push(dir);
  const { base, env: started } = await otplineIn(dir, {
    // Deliveries fail: the messages stay in the outbox, and the worker keeps writing meanwhile.
    provider: { name: 'webhook', webhook: { url: sink.url } },
    outbox: { pollIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 200, leaseMs: 1000 },
    // All the traffic goes to one range from one IP: the pumping defenses are not under test.
    abuse: { ...VOLUME_RULES_OFF, phonesPerIp: 0, conversion: { enabled: false } },
  });
  const databaseUrl = await testDatabaseUrl(dir);
  const env: Record<string, string> = {
    ...started,
    OTPLINE_ADMIN_CLIENT_ID: ADMIN.id,
    OTPLINE_ADMIN_CLIENT_SECRET: ADMIN.secret,
    OTPLINE_GATEWAY_SECRET: GATEWAY_SECRET,
    OTPLINE_LOG_LEVEL: 'warn',
    ...(databaseUrl ? { OTPLINE_DATABASE_URL: databaseUrl } : {}),
  };
  return {
    base,
    async start(): Promise<OtplineProcess> {
      const proc = runOtpline(['start'], env);
      running.push(proc);
      await waitHealthy(base, proc);
      return proc;
    },
  };
}

function gatewayJwt(base: string) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(`${base}/gateway/sms`)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(GATEWAY_SECRET));
}

/** Message `i`: a recipient and a text of its own (digits are masked in the log, letters are not). */
function message(i: number) {
  const letters = i
    .toString(26)
    .split('')
    .map((d) => String.fromCharCode(97 + Number.parseInt(d, 26)))
    .join('');
  return {
    recipient: `+1415555${String(1000 + i).padStart(4, '0')}`,
    body: `group commit ${letters}`,
    sender: 'otpline',
  };
}

interface Accepted {
  id: string;
  recipient: string;
  body: string;
}

/**
 * Sends all MESSAGES at once and SIGKILLs the program, synchronously, as soon as `killAfter`
 * answers have come in. Returns every message answered 200 (including those read after the kill,
 * already on their way) and how many requests got no answer at all.
 */
async function sendAndKill(base: string, proc: OtplineProcess, killAfter: number) {
  const token = await gatewayJwt(base);
  const accepted: Accepted[] = [];
  const refused: string[] = [];
  let answered = 0;
  let unanswered = 0;
  const kill = () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  };
  await Promise.all(
    Array.from({ length: MESSAGES }, async (_, i) => {
      const sent = message(i);
      try {
        const response = await fetch(`${base}/gateway/sms`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(sent),
        });
        const text = await response.text();
        if (response.status === 200) {
          const reply = JSON.parse(text) as { id: string; recipient: string };
          assert.equal(reply.recipient, sent.recipient);
          accepted.push({ id: reply.id, recipient: sent.recipient, body: sent.body });
        } else {
          refused.push(`${response.status} ${text}`);
        }
        if (++answered === killAfter) kill();
      } catch {
        unanswered++; // the kill cut it off: no promise was made
      }
    }),
  );
  kill();
  await proc.exited;
  return { accepted, refused, unanswered };
}

/** Every accepted message is in the delivery log after the restart, with its recipient and text. */
async function assertAllFound(base: string, accepted: Accepted[]) {
  const grant = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: ADMIN.id,
      client_secret: ADMIN.secret,
      audience: `${base}/api/v2/`,
    }),
  });
  assert.equal(grant.status, 200);
  const { access_token: token } = (await grant.json()) as { access_token: string };
  const lost: string[] = [];
  for (const m of accepted) {
    const response = await fetch(`${base}/api/v2/sms-messages/${m.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status === 404) {
      lost.push(m.id);
      continue;
    }
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const found = JSON.parse(text) as { recipient: string; body: string };
    assert.equal(found.recipient, m.recipient);
    assert.equal(found.body, m.body);
  }
  assert.deepEqual(lost, [], `${lost.length} of ${accepted.length} messages answered 200 were lost`);
}

describe(`group commit: a 200 from the gateway survives a kill -9 (${testBackend()})`, () => {
  it(`keeps all ${MESSAGES} concurrent messages when killed the moment the last 200 arrives`, async () => {
    const sink = await SmsSink.start();
    sink.defaultStatus = 500;
    try {
      const node = await setUp(sink);
      const first = await node.start();
      const { accepted, refused, unanswered } = await sendAndKill(node.base, first, MESSAGES);
      assert.deepEqual(refused, [], 'nothing refused');
      assert.equal(unanswered, 0);
      assert.equal(accepted.length, MESSAGES, 'every message accepted');
      assert.equal(new Set(accepted.map((m) => m.id)).size, MESSAGES, 'each its own id');

      const second = await node.start();
      await assertAllFound(node.base, accepted);
      await second.stop();
    } finally {
      await sink.close();
    }
  });

  it('keeps every message answered 200 when killed with most requests still in flight', async () => {
    const sink = await SmsSink.start();
    sink.defaultStatus = 500;
    try {
      const node = await setUp(sink);
      const first = await node.start();
      // The kill lands in the middle of the burst: turns with open, uncommitted writes.
      const { accepted, refused } = await sendAndKill(node.base, first, 20);
      assert.deepEqual(refused, [], 'nothing refused');
      assert.ok(accepted.length >= 20, `${accepted.length} accepted before the kill`);

      const second = await node.start();
      await assertAllFound(node.base, accepted);
      await second.stop();
    } finally {
      await sink.close();
    }
  });
});
