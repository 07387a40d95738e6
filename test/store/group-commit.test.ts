// SQLite's group commit: the writes of one event-loop turn share one transaction, a request is
// answered only after its commit, and Kysely transactions inside it still commit or roll back alone.
// Another, plain connection to the same file shows what is on disk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { GroupCommit, WalFile } from '../../src/store/sqlite/group-commit.js';
import { openSqlite, WAL_CHECKPOINT_PAGES } from '../../src/store/sqlite/open.js';

interface Tables {
  item: { id: Generated<number>; name: string };
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Wal = ConstructorParameters<typeof GroupCommit>[1];

function open(wal?: Wal) {
  const dir = mkdtempSync(join(tmpdir(), 'otpline-group-commit-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('create table item (id integer primary key, name text not null unique)');
  const groupCommit = new GroupCommit(sqlite, wal);
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: groupCommit.database }) });
  // Not a GroupCommit: sees only what is committed.
  const observer = new SQLite(file, { readonly: true });
  const committed = () =>
    (observer.prepare('select name from item order by id').all() as { name: string }[]).map((r) => r.name);
  const commits = () => observer.pragma('data_version', { simple: true }) as number;
  return { sqlite, groupCommit, db, committed, commits, observer, file };
}

describe('SQLite group commit', () => {
  let t: ReturnType<typeof open>;
  beforeEach(async () => {
    if (t) {
      await t.db.destroy();
      t.observer.close();
    }
    t = open();
  });

  it('commits the writes of one turn together, once, and only then calls them durable', async () => {
    const mark = t.groupCommit.mark();
    const before = t.commits();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.db
          .insertInto('item')
          .values({ name: `n${i}` })
          .execute(),
      ),
    );
    assert.deepEqual(t.committed(), [], 'nothing is on disk before the turn ends');
    await t.groupCommit.durableSince(mark);
    assert.equal(t.committed().length, 50);
    assert.equal(t.commits() - before, 1, 'fifty inserts, one commit');
  });

  it('reads inside the open group see its writes', async () => {
    await t.db.insertInto('item').values({ name: 'mine' }).execute();
    const rows = await t.db.selectFrom('item').select('name').execute();
    assert.deepEqual(rows, [{ name: 'mine' }]);
  });

  it('a Kysely transaction that fails rolls back alone; the writes around it commit', async () => {
    const mark = t.groupCommit.mark();
    await t.db.insertInto('item').values({ name: 'before' }).execute();
    await assert.rejects(
      t.db.transaction().execute(async (trx) => {
        await trx.insertInto('item').values({ name: 'inside' }).execute();
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    await t.db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ name: 'kept' }).execute();
    });
    await t.db.insertInto('item').values({ name: 'after' }).execute();
    await t.groupCommit.durableSince(mark);
    assert.deepEqual(t.committed(), ['before', 'kept', 'after']);
  });

  it('a Kysely transaction spanning turns is never committed halfway', async () => {
    const mark = t.groupCommit.mark();
    let inside!: () => void;
    const insideDone = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const transaction = t.db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ name: 'first' }).execute();
      inside();
      await new Promise((resolve) => setTimeout(resolve, 30)); // several turns go by
      await trx.insertInto('item').values({ name: 'second' }).execute();
    });
    await insideDone;
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(t.committed(), [], 'the first half is not committed while the transaction is open');
    await transaction;
    await t.groupCommit.durableSince(mark);
    assert.deepEqual(t.committed(), ['first', 'second']);
  });

  it('a statement that fails (a unique key) loses only itself', async () => {
    const mark = t.groupCommit.mark();
    await t.db.insertInto('item').values({ name: 'one' }).execute();
    await assert.rejects(t.db.insertInto('item').values({ name: 'one' }).execute(), /UNIQUE/);
    await t.db.insertInto('item').values({ name: 'two' }).execute();
    await t.groupCommit.durableSince(mark);
    assert.deepEqual(t.committed(), ['one', 'two']);
  });

  it('when SQLite rolls back the whole group, every request that wrote in it is told', async () => {
    const mark = t.groupCommit.mark();
    await t.db.insertInto('item').values({ name: 'lost' }).execute();
    t.sqlite.exec('ROLLBACK'); // what SQLite does by itself on a full disk or an I/O error
    await assert.rejects(t.groupCommit.durableSince(mark), /rolled back/);
    // A request that started later and wrote after the failure is not affected.
    const later = t.groupCommit.mark();
    await t.db.insertInto('item').values({ name: 'fine' }).execute();
    await t.groupCommit.durableSince(later);
    assert.deepEqual(t.committed(), ['fine']);
    // ...but the earlier request, whose write is gone, still is.
    await assert.rejects(t.groupCommit.durableSince(mark), /rolled back/);
  });

  it('closing the database commits what is pending', async () => {
    const { db, committed, observer } = t;
    await db.insertInto('item').values({ name: 'at-close' }).execute();
    await db.destroy();
    assert.deepEqual(committed(), ['at-close']);
    observer.close();
    t = open(); // beforeEach destroys this one
  });

  it('two connections of one process do not wait on each other', async () => {
    const second = new GroupCommit(new SQLite(join(dirs[dirs.length - 1] as string, 'db.sqlite')));
    const other = new Kysely<Tables>({ dialect: new SqliteDialect({ database: second.database }) });
    try {
      await t.db.insertInto('item').values({ name: 'from-first' }).execute();
      // The first connection's group holds the write lock until its turn ends; the second must
      // not busy-wait on it (the thread that would commit is the one waiting).
      const started = Date.now();
      await other.insertInto('item').values({ name: 'from-second' }).execute();
      assert.ok(Date.now() - started < 1000);
      const rows = await other.selectFrom('item').select('name').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => r.name),
        ['from-first', 'from-second'],
      );
    } finally {
      await other.destroy();
    }
    // The first connection still works after the second took the lock.
    const mark = t.groupCommit.mark();
    await t.db.insertInto('item').values({ name: 'again' }).execute();
    await t.groupCommit.durableSince(mark);
    assert.deepEqual(t.committed(), ['from-first', 'from-second', 'again']);
  });
});

/** A WAL sync the test finishes by hand: what each call was, and a way to end it. */
function manualSync() {
  const calls: Array<{ end: (err?: Error) => void }> = [];
  const wal = {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        calls.push({ end: (err) => (err ? reject(err) : resolve()) });
      }),
    syncNow: () => {},
    close: () => {},
  };
  return { wal, calls };
}
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

/** A database whose WAL syncs the test ends by hand, closed after `body`. */
async function withManualSync(
  body: (t: ReturnType<typeof open>, calls: ReturnType<typeof manualSync>['calls']) => Promise<void>,
) {
  const { wal, calls } = manualSync();
  const t = open(wal);
  try {
    await body(t, calls);
  } finally {
    await t.db.destroy();
    t.observer.close();
  }
}
/** Lets the event-loop turn end: its group commits, and its WAL sync starts. */
const turnEnds = () => new Promise((resolve) => setImmediate(resolve));

describe('SQLite group commit, with the WAL synced off the main thread', () => {
  const insert = (t: ReturnType<typeof open>, name: string) =>
    t.db.insertInto('item').values({ name }).execute();

  it('calls a write durable only once a WAL sync begun after its COMMIT has ended', () =>
    withManualSync(async (t, calls) => {
      const first = t.groupCommit.mark();
      await insert(t, 'one');
      await turnEnds();
      assert.deepEqual(t.committed(), ['one'], 'committed');
      assert.equal(calls.length, 1);
      const durable = t.groupCommit.durableSince(first);
      assert.equal(await settled(durable), false, 'not durable while the sync runs');
      // Two more turns commit while the sync runs: they wait for one more sync, together.
      const second = t.groupCommit.mark();
      await insert(t, 'two');
      await turnEnds();
      await insert(t, 'three');
      await turnEnds();
      assert.equal(calls.length, 1, 'one sync at a time');
      calls[0]?.end();
      await durable;
      assert.equal(await settled(t.groupCommit.durableSince(second)), false);
      assert.equal(calls.length, 2, 'one sync for both later commits');
      calls[1]?.end();
      await t.groupCommit.durableSince(second);
    }));

  it('a request that only read waits too: it may have read a commit not yet on disk', () =>
    withManualSync(async (t, calls) => {
      await insert(t, 'written');
      await turnEnds();
      const reader = t.groupCommit.mark();
      assert.deepEqual(await t.db.selectFrom('item').select('name').execute(), [{ name: 'written' }]);
      assert.equal(await settled(t.groupCommit.durableSince(reader)), false);
      calls[0]?.end();
      await t.groupCommit.durableSince(reader);
    }));

  it('a failed sync fails every request whose writes it held, and not the ones after', () =>
    withManualSync(async (t, calls) => {
      const mark = t.groupCommit.mark();
      await insert(t, 'unsure');
      await turnEnds();
      calls[0]?.end(new Error('EIO: i/o error, fdatasync'));
      await assert.rejects(t.groupCommit.durableSince(mark), /its sync failed/);
      const later = t.groupCommit.mark();
      await insert(t, 'sure');
      await turnEnds();
      calls[1]?.end();
      await t.groupCommit.durableSince(later);
    }));

  it('the database otpline opens leaves the fsync to the group commit (synchronous = NORMAL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpline-wal-sync-'));
    dirs.push(dir);
    const file = join(dir, 'otpline.sqlite');
    const { db, groupCommit } = openSqlite(file);
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      assert.deepEqual(rows, [{ synchronous: 1 }]);
      // Journals of statements and savepoints in memory; checkpoints every WAL_CHECKPOINT_PAGES.
      const temp = await sql<{ temp_store: number }>`pragma temp_store`.execute(db);
      assert.deepEqual(temp.rows, [{ temp_store: 2 }]);
      const checkpoint = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      assert.deepEqual(checkpoint.rows, [{ wal_autocheckpoint: WAL_CHECKPOINT_PAGES }]);
      const mark = groupCommit.mark();
      await sql`create table item (name text)`.execute(db);
      await sql`insert into item values ('kept')`.execute(db);
      await groupCommit.durableSince(mark);
    } finally {
      await db.destroy();
    }
    const reopened = new SQLite(file, { readonly: true });
    assert.deepEqual(reopened.prepare('select name from item').all(), [{ name: 'kept' }]);
    reopened.close();
  });

  it('the -wal file stays near WAL_CHECKPOINT_PAGES pages however much is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpline-wal-size-'));
    dirs.push(dir);
    const file = join(dir, 'otpline.sqlite');
    const { db, groupCommit } = openSqlite(file);
    const page = 4096;
    const written = 3 * WAL_CHECKPOINT_PAGES;
    try {
      await sql`create table item (body blob)`.execute(db);
      // About 3 pages per row, 60 rows per group: three times the checkpoint interval in all.
      const body = Buffer.alloc(3 * page - 200, 7);
      for (let group = 0; group < written / 180; group++) {
        const mark = groupCommit.mark();
        for (let row = 0; row < 60; row++) await sql`insert into item values (${body})`.execute(db);
        await groupCommit.durableSince(mark);
      }
      const walPages = statSync(`${file}-wal`).size / (page + 24);
      assert.ok(
        walPages < WAL_CHECKPOINT_PAGES + 400,
        `the -wal file holds ${Math.round(walPages)} pages after ${written} were written`,
      );
      assert.ok(
        statSync(file).size > (written * page) / 2,
        'the checkpoints copied the pages into the database',
      );
    } finally {
      await db.destroy();
    }
  });

  it('WalFile syncs the -wal file on the threadpool, and says when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpline-wal-file-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'db-wal'), 'frames');
    const wal = new WalFile(join(dir, 'db-wal'));
    await wal.sync();
    wal.syncNow();
    wal.close();
    await assert.rejects(new WalFile(join(dir, 'missing-wal')).sync(), /ENOENT/);
  });
});
