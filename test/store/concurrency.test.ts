// State changes that must hold with many database connections at once (many nodes, or
// PostgreSQL's pool), run from two real connections to one database, interleaved: two connections
// to one SQLite file, or two connection pools (two nodes) on one PostgreSQL database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AttackProtection } from '../../src/abuse/attack-protection.js';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { Outbox } from '../../src/gateway/outbox.js';
import { BruteForceGuard } from '../../src/otp/brute-force.js';
import { OtpCodes } from '../../src/otp/codes.js';
import { type Db, migrate, openDatabase } from '../../src/store/database.js';
import { Stores } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { dropTestDatabase, testBackend, testDatabaseUrl } from '../helpers/postgres.js';

/** Two "nodes" on the database of `dataDir`: the SQLite file there, or its PostgreSQL test database. */
async function twoNodes(dataDir: string): Promise<{ first: Db; second: Db; x: Stores; y: Stores }> {
  const url = await testDatabaseUrl(dataDir);
  const config = {
    dataDir,
    database: { url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 10_000 },
  };
  const one = openDatabase(config);
  await migrate(one.db);
  const two = openDatabase(config);
  return {
    first: one.db,
    second: two.db,
    x: new Stores(one.db, one.dialect),
    y: new Stores(two.db, two.dialect),
  };
}

const KEY = Buffer.from('code-hmac-key-for-tests');
/** SQLite's and PostgreSQL's words for a unique index refusing a row. */
const UNIQUE = /UNIQUE|duplicate key value/;

describe('concurrent state changes from two database connections', () => {
  let dir: string;
  let a: Stores;
  let b: Stores;
  let rawB: Db;
  const clock = new ManualClock(Date.now());

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpline-concurrency-'));
    const nodes = await twoNodes(dir);
    a = nodes.x;
    b = nodes.y;
    rawB = nodes.second;
  });
  after(async () => {
    await a.close();
    await b.close();
    await dropTestDatabase(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  let phoneSeq = 0;
  async function issue(codesA: OtpCodes, phone: string, code = '123456') {
    return a.transaction((tx) =>
      codesA.issue(tx, { connectionId: 'con_1', clientId: 'app', phone, code, lifetimeSeconds: 300 }),
    );
  }

  it('counts every wrong guess, however many arrive at once', async () => {
    const codesA = new OtpCodes(a, clock, KEY, 3);
    const codesB = new OtpCodes(b, clock, KEY, 3);
    const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
    await issue(codesA, phone);
    const guesses = await Promise.all([
      codesA.verify('con_1', phone, 'app', '000001'),
      codesB.verify('con_1', phone, 'app', '000002'),
    ]);
    assert.deepEqual(
      guesses.map((g) => g.ok),
      [false, false],
    );
    const third = await codesA.verify('con_1', phone, 'app', '000003');
    assert.deepEqual(third, { ok: false, reason: 'code_voided' }, 'the third miss voids the code');
    assert.deepEqual(await codesB.verify('con_1', phone, 'app', '123456'), { ok: false, reason: 'no_code' });
  });

  it('never revives a used code, and uses it once', async () => {
    const codesA = new OtpCodes(a, clock, KEY, 3);
    const codesB = new OtpCodes(b, clock, KEY, 3);
    const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
    await issue(codesA, phone);
    const [right, wrong, again] = await Promise.all([
      codesA.verify('con_1', phone, 'app', '123456'),
      codesB.verify('con_1', phone, 'app', '999999'),
      codesB.verify('con_1', phone, 'app', '123456'),
    ]);
    assert.equal([right, again].filter((r) => r.ok).length, 1, 'one use only');
    assert.equal(wrong.ok, false);
    assert.equal((await codesA.verify('con_1', phone, 'app', '123456')).ok, false, 'not revived');
  });

  it('refuses a second active code for one phone, and a second current key, in the database itself', async () => {
    const codesA = new OtpCodes(a, clock, KEY, 3);
    const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
    await issue(codesA, phone);
    // What a node racing another would write without seeing its code: the unique index refuses it.
    const forged = {
      id: 'forged',
      connection_id: 'con_1',
      client_id: 'app',
      phone_number: phone,
      code_hash: 'x',
      status: 'active' as const,
      attempts: 0,
      created_at: clock.now(),
      expires_at: clock.now() + 60_000,
    };
    await assert.rejects(rawB.insertInto('otp_codes').values(forged).execute(), UNIQUE);
    await rawB
      .insertInto('otp_codes')
      .values({ ...forged, status: 'superseded' })
      .execute();

    await new SigningKeys(a.keys).load(clock.now());
    const key = {
      alg: 'RS256',
      private_jwk: '{}',
      public_jwk: '{}',
      status: 'current' as const,
      created_at: 0,
    };
    await assert.rejects(
      rawB
        .insertInto('signing_keys')
        .values({ ...key, kid: 'forged' })
        .execute(),
      UNIQUE,
    );
  });

  // SQLite runs one write transaction at a time (two connections in one process would wait on each
  // other): the race exists only with PostgreSQL's concurrent transactions.
  const sqliteOnly = testBackend() === 'sqlite' && 'SQLite serializes write transactions';
  it('issues codes for one phone from two nodes at once, leaving exactly one active', {
    skip: sqliteOnly,
  }, async () => {
    const codesA = new OtpCodes(a, clock, KEY, 3);
    const codesB = new OtpCodes(b, clock, KEY, 3);
    const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
    const issued = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).transaction((tx) =>
          (i % 2 ? codesA : codesB).issue(tx, {
            connectionId: 'con_1',
            clientId: 'app',
            phone,
            code: String(100000 + i),
            lifetimeSeconds: 300,
          }),
        ),
      ),
    );
    assert.equal(issued.length, 10, 'every issue succeeded');
    const active = await a.codes.findActive('con_1', phone, clock.now());
    const winner = issued.find((c) => c.id === active?.id);
    assert.ok(winner, 'the one active code is one of those issued');
    const outcome = await codesB.verify('con_1', phone, 'app', winner.code);
    assert.equal(outcome.ok, true, 'and it logs in');
  });

  it('counts every failed login toward the block', async () => {
    const settings = { blockSeconds: 900 };
    const guardA = new BruteForceGuard(a.counters, clock, settings, {} as AttackProtection);
    const guardB = new BruteForceGuard(b.counters, clock, settings, {} as AttackProtection);
    const phone = '+14155559999';
    const policy = { on: true, identifier: phone, maxAttempts: 10, exempt: false };
    await Promise.all(
      Array.from({ length: 9 }, (_, i) => (i % 2 ? guardA : guardB).recordFailure('con_1', policy)),
    );
    assert.equal(await guardA.blockedFor('con_1', phone), 0, 'nine failures do not block');
    assert.equal(await guardB.recordFailure('con_1', policy), true, 'the tenth reports the block');
    assert.equal(await guardA.blockedFor('con_1', phone), 900, 'the tenth blocks');
  });

  it('lets only one worker claim a message', async () => {
    const outboxA = new Outbox(a, clock);
    const outboxB = new Outbox(b, clock);
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const message = await outboxA.enqueue(a, {
        source: 'gateway',
        dispatch: 'outbox',
        connectionId: null,
        recipient: '+14155552671',
        country: 'US',
        body: `message ${i}`,
        bodyRedacted: `message ${i}`,
        sender: null,
        expiresAt: clock.now() + 60_000,
      });
      ids.add(message.id);
    }
    const [first, second] = await Promise.all([
      outboxA.claim('worker-a', 20, 30_000),
      outboxB.claim('worker-b', 20, 30_000),
    ]);
    const claimed = [...first, ...second].map((m) => m.id);
    assert.equal(new Set(claimed).size, claimed.length, 'no message claimed twice');
    assert.deepEqual(new Set(claimed), ids);

    // Before the lease runs out, nothing comes back; after it, one of the two takes them over, not both.
    clock.advance(29_000);
    assert.deepEqual(await Promise.all([outboxA.reclaimLapsed(), outboxB.reclaimLapsed()]), [0, 0]);
    clock.advance(2_000);
    const returned = await Promise.all([outboxA.reclaimLapsed(), outboxB.reclaimLapsed()]);
    assert.equal(returned[0] + returned[1], 20, 'each lapsed lease is returned once');
    const [again1, again2] = await Promise.all([
      outboxA.claim('worker-a', 20, 30_000),
      outboxB.claim('worker-b', 20, 30_000),
    ]);
    const retaken = [...again1, ...again2].map((m) => m.id);
    assert.equal(new Set(retaken).size, retaken.length);
    assert.equal(retaken.length, 20);
  });

  it('makes one current signing key when two nodes start on an empty database', async () => {
    const keysDir = join(dir, 'keys');
    const { x, y } = await twoNodes(keysDir);
    try {
      const [keysX, keysY] = [new SigningKeys(x.keys), new SigningKeys(y.keys)];
      await Promise.all([keysX.load(clock.now()), keysY.load(clock.now())]);
      const current = (await x.keys.published()).filter((k) => k.status === 'current');
      assert.equal(current.length, 1);
      assert.equal((await x.keys.published()).length, 1, 'the loser made no key at all');
      assert.equal(keysX.signingKey().kid, current[0]?.kid);
      assert.equal(keysY.signingKey().kid, current[0]?.kid);
    } finally {
      await x.close();
      await y.close();
      await dropTestDatabase(keysDir);
    }
  });

  it('takes a deleted client off every connection, and refuses to link it again', async () => {
    const now = clock.now();
    const client = {
      client_id: 'doomed',
      name: 'Doomed',
      description: null,
      client_secret: null,
      app_type: 'native' as const,
      token_endpoint_auth_method: 'none' as const,
      grant_types: [],
      callbacks: [],
      web_origins: [],
      allowed_origins: [],
      allowed_logout_urls: [],
      extra: {},
      jwt_configuration: { alg: 'RS256' as const, lifetime_in_seconds: 36_000 },
      is_first_party: true,
      is_management: false,
      client_metadata: {},
      created_at: now,
      updated_at: now,
    };
    await a.clients.insert(client);
    const connection = (name: string) => ({
      id: `con_${name}`,
      name,
      strategy: 'sms',
      display_name: null,
      options: {},
      enabled_clients: ['doomed'],
      is_domain_connection: false,
      realms: [name],
      metadata: {},
      created_at: now,
      updated_at: now,
    });
    await a.connections.insert(connection('one'));
    await a.connections.insert(connection('two'));
    await b.clients.delete('doomed');
    assert.deepEqual((await a.connections.get('con_one'))?.enabled_clients, []);
    assert.deepEqual((await a.connections.get('con_two'))?.enabled_clients, []);
    // A PATCH that checked the client before it was deleted cannot link it now.
    await assert.rejects(a.connections.update(connection('one')));
    assert.deepEqual((await b.connections.get('con_one'))?.enabled_clients, []);
  });
});
