// A worker's claim reads only the rows it takes, however many messages wait: SQLite's own query
// plan for the statement the store runs, on a real database file with otpline's schema. (Before,
// the claim sorted every due row and its UPDATE walked the whole queue: a provider outage with a
// long backlog made every claim slower.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MessageRow, MessageStore } from '../../src/store/messages.js';
import { recordedSqlite } from '../helpers/recorded-sqlite.js';

describe('claiming due messages (SQLite)', () => {
  let database: Awaited<ReturnType<typeof recordedSqlite>>;
  const now = 1_800_000_000_000;

  const message = (n: number, status: MessageRow['status'], dueIn: number): MessageRow => ({
    id: `msg_${String(n).padStart(16, '0')}`,
    source: 'gateway',
    dispatch: 'outbox',
    encoding: 'GSM-7',
    segments: 1,
    route_step: 0,
    step_failures: 0,
    receipt_detail: null,
    receipt_at: null,
    connection_id: null,
    recipient: '+14155550100',
    country: 'US',
    body: `message ${n}`,
    body_redacted: `message ${n}`,
    sender: null,
    status,
    attempts: 0,
    next_attempt_at: now + dueIn,
    lease_owner: null,
    lease_until: null,
    expires_at: now + 3_600_000,
    provider: null,
    provider_message_id: null,
    last_error: null,
    idempotency_key: `key-${n}`,
    created_at: now,
    updated_at: now,
  });

  before(async () => {
    database = await recordedSqlite('otpline-claim-');
    const store = new MessageStore(database.db, 'sqlite');
    // A backlog: due, not yet due, already sent.
    for (let n = 0; n < 300; n++) {
      await store.insert(message(n, n % 3 === 2 ? 'sent' : 'queued', n % 3 === 1 ? 60_000 : -n));
    }
  });
  after(() => database.close());

  it('takes the oldest due messages, through the index and the primary key only', async () => {
    const store = new MessageStore(database.db, 'sqlite');
    database.ran.length = 0;
    const claimed = await store.claim('worker-a', 5, now + 60_000, now);
    assert.deepEqual(
      claimed.map((m) => m.body).sort(),
      ['message 285', 'message 288', 'message 291', 'message 294', 'message 297'],
      'the five that have waited longest',
    );
    assert.ok(claimed.every((m) => m.status === 'processing' && m.lease_owner === 'worker-a'));

    const claim = database.ran.find((q) => q.sql.includes('"candidates"'));
    assert.ok(claim, 'the claim statement ran');
    // A bound LIMIT makes SQLite plan the statement again at every run (it reads the value).
    assert.match(claim.sql, /limit 5\b/, claim.sql);
    assert.doesNotMatch(claim.sql, /limit \?/, claim.sql);
    const steps = database.planOf(claim);
    assert.ok(
      steps.some((s) =>
        /SEARCH messages USING INDEX messages_due \(status=\? AND next_attempt_at<\?\)/.test(s),
      ),
      `the due messages come from the index, in order:\n${steps.join('\n')}`,
    );
    assert.ok(
      steps.some((s) => /SEARCH messages USING .*INDEX sqlite_autoindex_messages_1 \(id=\?\)/.test(s)),
      `the update finds each claimed row by its id:\n${steps.join('\n')}`,
    );
    assert.ok(!steps.some((s) => /^SCAN messages|TEMP B-TREE|MULTI-INDEX OR/.test(s)), steps.join('\n'));
  });

  it('gives back lapsed leases only, and the next claim takes them first', async () => {
    const store = new MessageStore(database.db, 'sqlite');
    assert.equal(await store.reclaimLapsed(now + 59_999), 0, 'no lease has run out yet');
    assert.equal(await store.reclaimLapsed(now + 60_001), 5);
    const again = await store.claim('worker-b', 5, now + 120_000, now + 60_001);
    assert.deepEqual(again.map((m) => m.body).sort(), [
      'message 285',
      'message 288',
      'message 291',
      'message 294',
      'message 297',
    ]);
    assert.ok(again.every((m) => m.lease_owner === 'worker-b'));
  });
});
