// The schema ledger on both databases: a fresh database gets every migration once, a database a
// newer otpline migrated is refused (by the library, the server and the CLI), `otpline migrate
// [--dry-run]` says what it does, nodes migrating at once migrate once, and numbers read back as
// numbers whichever driver returns them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.js';
import { Outbox } from '../../src/gateway/outbox.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer } from '../../src/server.js';
import {
  migrate,
  type OpenDatabase,
  openDatabase,
  pendingMigrations,
  SchemaTooNew,
} from '../../src/store/database.js';
import { Stores } from '../../src/store/index.js';
import { migrationNames } from '../../src/store/migrations/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { dropTestDatabase, testBackend, testDatabaseUrl } from '../helpers/postgres.js';
import { runOtpline } from '../helpers/process.js';
import { FUTURE_MIGRATION, recordedMigrations, recordFutureMigration } from '../helpers/schema.js';

const backend = testBackend();
const TOO_NEW = new RegExp(
  `the database schema is newer than this otpline knows \\(migrations ${FUTURE_MIGRATION}\\): upgrade otpline before starting it on this database`,
);
const dirs: string[] = [];
const opened: OpenDatabase[] = [];

interface Fresh {
  dataDir: string;
  url: string | undefined;
  /** A new connection (pool) to it; closed after the tests. */
  open(): OpenDatabase;
  /** The environment that points the real program at it. */
  env: Record<string, string>;
  /** How `otpline migrate` names it. */
  where: string;
}

/** An empty database of the backend under test: a new SQLite directory, or a new PostgreSQL database. */
async function freshDatabase(): Promise<Fresh> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpline-migrations-'));
  dirs.push(dataDir);
  const url = await testDatabaseUrl(dataDir);
  const config = {
    dataDir,
    database: { url, poolSize: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000 },
  };
  return {
    dataDir,
    url,
    open() {
      const database = openDatabase(config);
      opened.push(database);
      return database;
    },
    env: { OTPLINE_DATA_DIR: dataDir, ...(url ? { OTPLINE_DATABASE_URL: url } : {}) },
    where: url ? 'PostgreSQL' : `SQLite (${dataDir})`,
  };
}

async function cli(args: string[], env: Record<string, string>) {
  const proc = runOtpline(args, env);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

after(async () => {
  await Promise.all(opened.map(({ db }) => db.destroy()));
  for (const dir of dirs) {
    await dropTestDatabase(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe(`migrations (${backend})`, () => {
  it('gives a fresh database every migration, in order, once', async () => {
    const { db, dialect } = (await freshDatabase()).open();
    assert.equal(dialect, backend);
    assert.ok(migrationNames.length >= 5);
    assert.deepEqual(await pendingMigrations(db), migrationNames, 'all of them are pending at first');
    assert.deepEqual(await migrate(db), migrationNames);
    assert.deepEqual(await pendingMigrations(db), []);
    assert.deepEqual(await migrate(db), [], 'a second run has nothing to do');
    assert.deepEqual(await recordedMigrations(db), new Map(migrationNames.map((name) => [name, 1])));
  });

  it('refuses a database a newer otpline migrated: the library, the server and the program', async () => {
    const fresh = await freshDatabase();
    const { db } = fresh.open();
    await migrate(db);
    await recordFutureMigration(db);

    const tooNew = (err: unknown) => err instanceof SchemaTooNew && TOO_NEW.test(err.message);
    await assert.rejects(pendingMigrations(db), tooNew);
    await assert.rejects(migrate(db), tooNew);
    assert.equal((await recordedMigrations(db)).size, migrationNames.length + 1, 'nothing was run or undone');

    const config = loadConfig({
      env: {},
      overrides: {
        port: 0,
        dataDir: fresh.dataDir,
        ...(fresh.url ? { database: { url: fresh.url } } : {}),
        admin: { clientId: 'schema-admin', clientSecret: 'schema-admin-secret-0123456789' },
        gateway: { secret: 'schema-gateway-secret-0123456789' },
      },
    });
    await assert.rejects(startServer(config, { logger: createLogger('silent') }), tooNew);

    const [start, migrating] = await Promise.all([
      cli(['start'], { ...fresh.env, OTPLINE_PORT: '0' }),
      cli(['migrate'], fresh.env),
    ]);
    for (const [name, run] of Object.entries({ start, migrate: migrating })) {
      assert.equal(run.code, 2, `otpline ${name}: ${run.output}`);
      assert.match(run.output, new RegExp(`^otpline: ${TOO_NEW.source}\\n$`), `otpline ${name}`);
    }
  });

  it('`otpline migrate --dry-run` lists what would run and changes nothing; `otpline migrate` runs it', async () => {
    const fresh = await freshDatabase();
    const list = migrationNames.map((name) => `  ${name}\n`).join('');

    const dryRun = await cli(['migrate', '--dry-run'], fresh.env);
    assert.equal(dryRun.code, 0, dryRun.output);
    assert.equal(dryRun.output, `would run on ${fresh.where}:\n${list}`);
    const { db } = fresh.open();
    assert.deepEqual(
      await db.introspection.getTables({ withInternalKyselyTables: true }),
      [],
      'not even the ledger was made',
    );

    const run = await cli(['migrate'], fresh.env);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.output, `ran on ${fresh.where}:\n${list}`);
    assert.deepEqual(await pendingMigrations(db), []);

    for (const args of [['migrate'], ['migrate', '--dry-run']]) {
      const again = await cli(args, fresh.env);
      assert.equal(again.code, 0, again.output);
      assert.equal(again.output, `${fresh.where} is up to date: nothing to run\n`, args.join(' '));
    }
  });

  it('migrates once when nodes start at once on a fresh PostgreSQL database', async (t) => {
    if (backend !== 'postgres') return t.skip('SQLite has one node');

    const inProcess = await freshDatabase();
    const pools = [inProcess.open(), inProcess.open(), inProcess.open()];
    const ran = (await Promise.all(pools.map(({ db }) => migrate(db)))).flat();
    assert.deepEqual(ran.sort(), migrationNames, 'each migration ran in one of them');
    assert.deepEqual(
      await recordedMigrations(pools[0]?.db ?? assert.fail()),
      new Map(migrationNames.map((name) => [name, 1])),
    );

    const programs = await freshDatabase();
    const runs = await Promise.all([cli(['migrate'], programs.env), cli(['migrate'], programs.env)]);
    for (const run of runs) assert.equal(run.code, 0, run.output);
    const printed = runs.flatMap((run) => [...run.output.matchAll(/^ {2}(\S+)$/gm)].map((m) => m[1]));
    assert.deepEqual(printed.sort(), migrationNames, runs.map((run) => run.output).join('\n'));
    assert.deepEqual(
      await recordedMigrations(programs.open().db),
      new Map(migrationNames.map((name) => [name, 1])),
    );
  });
});

describe(`numbers read back as numbers (${backend})`, () => {
  it('times, counts, sums and 0/1 flags are JavaScript numbers; the stores turn flags into booleans', async () => {
    const { db, dialect } = (await freshDatabase()).open();
    await migrate(db);
    const stores = new Stores(db, dialect);
    // Past 2^31: a time that only fits PostgreSQL's bigint, which its driver returns as a string.
    const now = Date.now();
    const clock = new ManualClock(now);

    await stores.events.insert({
      id: 'evt_0001',
      date: now,
      type: 'slo',
      description: 'a test event',
      client_id: null,
      client_name: null,
      connection_id: null,
      connection: null,
      ip: null,
      user_agent: null,
      phone_number: null,
      user_id: null,
      rule: null,
      details: '{}',
    });
    const event = await stores.events.get('evt_0001');
    assert.equal(typeof event?.date, 'number');
    assert.equal(event?.date, now);
    const events = await stores.events.list({}, 0, 10);
    assert.equal(events.total, 1);
    assert.equal(typeof events.total, 'number');

    const outbox = new Outbox(stores, clock);
    const { id } = await outbox.enqueue(stores, {
      source: 'gateway',
      dispatch: 'outbox',
      connectionId: null,
      recipient: '+14155552671',
      country: 'US',
      body: 'hello',
      bodyRedacted: 'hello',
      sender: null,
      expiresAt: now + 60_000,
    });
    const stored = (await stores.messages.get(id))?.message ?? assert.fail('message not stored');
    for (const field of ['created_at', 'updated_at', 'next_attempt_at', 'expires_at', 'attempts'] as const) {
      assert.equal(typeof stored[field], 'number', field);
    }
    assert.equal(stored.created_at, now);
    assert.equal(stored.expires_at, now + 60_000);
    const messages = await stores.messages.list({}, 0, 10);
    assert.equal(messages.total, 1);
    assert.equal(typeof messages.total, 'number');

    await stores.clients.insert({
      client_id: 'numbers',
      name: 'Numbers',
      description: null,
      client_secret: null,
      app_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: [],
      callbacks: [],
      web_origins: [],
      allowed_origins: [],
      allowed_logout_urls: [],
      extra: {},
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36_000 },
      is_first_party: true,
      is_management: false,
      client_metadata: {},
      created_at: now,
      updated_at: now,
    });
    const client = await stores.clients.get('numbers');
    assert.equal(client?.is_first_party, true);
    assert.equal(client?.is_management, false);
    assert.equal(client?.created_at, now);
    const row = await db
      .selectFrom('clients')
      .select(['is_first_party', 'is_management', 'id_token_lifetime'])
      .where('client_id', '=', 'numbers')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { is_first_party: 1, is_management: 0, id_token_lifetime: 36_000 });

    const { rows } = await sql<{ n: unknown; total: unknown; biggest: unknown }>`
      select count(*) as n, sum(date) as total, max(date) as biggest from security_events`.execute(db);
    assert.deepEqual(rows, [{ n: 1, total: now, biggest: now }], 'count (bigint) and sum (numeric)');
  });
});
