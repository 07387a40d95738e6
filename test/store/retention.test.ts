// Old rows are pruned in the background (server.ts cleanUp): expired codes, finished messages past
// their retention with their attempts, ended rate-limit windows; in batches, so requests go on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanUp } from '../../src/server.js';
import { localSetup } from '../helpers/flow.js';
import { ADMIN, gatewayToken, startTestServer, type TestServer } from '../helpers/server.js';
import { SmsSink } from '../helpers/sms-sink.js';

const DAY = 86_400_000;

describe('pruning old rows', () => {
  let server: TestServer;
  let sink: SmsSink;
  let client: { client_id: string };

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({
      provider: { name: 'webhook', webhook: { url: sink.url } },
      outbox: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 100, retentionDays: 30 },
    });
    client = await localSetup(server);
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });

  const db = () => server.services.stores.database;
  const count = async (table: 'otp_codes' | 'rate_counters' | 'messages' | 'message_attempts') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A token for the clock's now (the helper's cached one expires when the clock jumps a month). */
  async function adminToken(): Promise<string> {
    const answer = await server.call('POST', '/oauth/token', {
      json: { grant_type: 'client_credentials', ...ADMIN, audience: `${server.config.issuer}api/v2/` },
    });
    return answer.body.access_token as string;
  }

  async function gatewayMessage(text: string): Promise<string> {
    const answer = await server.call('POST', '/gateway/sms', {
      token: await gatewayToken(server),
      json: { recipient: '+14155552671', body: text },
    });
    assert.equal(answer.status, 200, answer.text);
    const { id } = answer.body as { id: string };
    // Delivered and recorded: its last change is now, not after the clock moves.
    for (let tries = 0; tries < 200; tries++) {
      const message = await server.call('GET', `/api/v2/sms-messages/${id}`, {
        token: await adminToken(),
      });
      if (message.body.status === 'sent') return id;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`message ${id} was not sent`);
  }

  async function status(id: string): Promise<number> {
    return (await server.call('GET', `/api/v2/sms-messages/${id}`, { token: await adminToken() })).status;
  }

  it('forgets expired codes, old finished messages and ended windows, and keeps the rest', async () => {
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms', phone_number: '+14155550601' },
    });
    assert.equal(start.status, 200);
    const old = await gatewayMessage('old message');
    assert.ok((await count('otp_codes')) >= 1);
    assert.ok((await count('rate_counters')) >= 1);
    assert.ok((await count('message_attempts')) >= 1);

    server.clock.advance(31 * DAY);
    const fresh = await gatewayMessage('fresh message');
    await cleanUp(server.services, server.config, server.clock);

    assert.equal(await status(old), 404, 'a finished message past outbox.retentionDays is gone');
    assert.equal(await status(fresh), 200, 'a recent one stays');
    assert.equal(await count('otp_codes'), 0, 'the code expired a month ago');
    const attempts = await db().selectFrom('message_attempts').select('message_id').execute();
    assert.deepEqual(
      attempts.map((a) => a.message_id),
      [fresh],
      'attempts go with their message',
    );
    // The windows of the fresh message's counters are recent; the month-old ones are gone.
    const windows = await db().selectFrom('rate_counters').select('window_start').execute();
    assert.ok(windows.every((w) => w.window_start > server.clock.now() - 7 * DAY));
  });

  it('prunes in batches: a request is answered while thousands of rows are deleted', async () => {
    const connection = await db().selectFrom('connections').select('id').executeTakeFirstOrThrow();
    const expired = server.clock.now() - 2 * DAY;
    for (let chunk = 0; chunk < 20; chunk++) {
      await db()
        .insertInto('otp_codes')
        .values(
          Array.from({ length: 500 }, (_, i) => ({
            id: `old_${chunk}_${i}`,
            connection_id: connection.id,
            client_id: client.client_id,
            phone_number: `+1415556${String(chunk * 500 + i).padStart(4, '0')}`,
            code_hash: 'x',
            status: 'used' as const,
            attempts: 0,
            created_at: expired - 300_000,
            expires_at: expired,
          })),
        )
        .execute();
    }
    assert.equal(await count('otp_codes'), 10_000);
    let pruned = false;
    const pruning = server.services.stores.retention.pruneCodes(server.clock.now() - DAY).then((n) => {
      pruned = true;
      return n;
    });
    const health = await server.call('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(pruned, false, 'the health check was answered while the pruning went on');
    assert.equal(await pruning, 10_000);
    assert.equal(await count('otp_codes'), 0);
  });
});
