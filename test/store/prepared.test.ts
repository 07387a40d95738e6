// Statements built once and run again with new values (src/store/prepared.ts), on a real SQLite
// database through Kysely, as the stores use them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Db } from '../../src/store/database.js';
import { changed, prepared } from '../../src/store/prepared.js';

interface Row {
  id: string;
  name: string;
  note: string | null;
  hits: number;
}

describe('prepared statements', () => {
  let sqlite: SQLite.Database;
  let db: Db;
  const run: string[] = [];
  before(async () => {
    sqlite = new SQLite(':memory:');
    sqlite.exec(
      'create table item (id text primary key, name text not null, note text, hits integer not null)',
    );
    const kysely = new Kysely<{ item: Row }>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (event) => {
        run.push(event.query.sql);
      },
    });
    db = kysely as unknown as Db;
  });
  after(async () => {
    await db.destroy();
  });
  const items = () => db as unknown as Kysely<{ item: Row }>;

  const insert = prepared((db: Db, row: Row) =>
    (db as unknown as Kysely<{ item: Row }>).insertInto('item').values(row),
  );
  const hit = prepared((db: Db, id: string, by: number) =>
    (db as unknown as Kysely<{ item: Row }>)
      .updateTable('item')
      .set((eb) => ({ hits: eb('hits', '+', by) }))
      .where('id', '=', id),
  );
  const named = prepared((db: Db, name: string) =>
    (db as unknown as Kysely<{ item: Row }>)
      .selectFrom('item')
      .select(['id', 'hits'])
      .where('name', '=', name)
      .orderBy('id'),
  );

  it('runs the same SQL with each call’s values, rows and fields included', async () => {
    await insert(db, { id: 'a', name: 'first', note: 'x', hits: 0 });
    await insert(db, { id: 'b', name: 'second', note: null, hits: 5 });
    assert.equal(changed(await hit(db, 'a', 2)), 1);
    assert.equal(changed(await hit(db, 'nobody', 2)), 0);
    assert.deepEqual((await named(db, 'first')).rows, [{ id: 'a', hits: 2 }]);
    assert.deepEqual((await named(db, 'second')).rows, [{ id: 'b', hits: 5 }]);
    const rows = await items().selectFrom('item').selectAll().orderBy('id').execute();
    assert.deepEqual(rows, [
      { id: 'a', name: 'first', note: 'x', hits: 2 },
      { id: 'b', name: 'second', note: null, hits: 5 },
    ]);
    assert.equal(new Set(run.filter((s) => s.startsWith('insert'))).size, 1, 'one SQL text for both inserts');
  });

  it('a row with other columns is another statement; undefined is bound as NULL', async () => {
    const row = { id: 'c', name: 'third', hits: 1 } as Row;
    await insert(db, row);
    await insert(db, { id: 'd', name: 'fourth', note: undefined as unknown as null, hits: 1 });
    const rows = await items()
      .selectFrom('item')
      .select(['id', 'note'])
      .where('id', 'in', ['c', 'd'])
      .execute();
    assert.deepEqual(rows, [
      { id: 'c', note: null },
      { id: 'd', note: null },
    ]);
    assert.equal(new Set(run.filter((s) => s.startsWith('insert'))).size, 2);
  });

  it('joins the caller’s transaction, and rolls back with it', async () => {
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await insert(trx, { id: 'e', name: 'inside', note: null, hits: 0 });
        assert.equal((await named(trx, 'inside')).rows.length, 1);
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    assert.deepEqual((await named(db, 'inside')).rows, []);
  });

  it('refuses a builder that computes with a value instead of placing it', async () => {
    const computing = prepared((db: Db, name: string) =>
      (db as unknown as Kysely<{ item: Row }>).selectFrom('item').selectAll().where('name', '=', `${name}!`),
    );
    await assert.rejects(async () => computing(db, 'first'), /place its values, not compute with them/);
  });
});
