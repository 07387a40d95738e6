// A statement whose WHERE compares a bound value with the column of a partial index's condition
// (`otp_codes_one_active`: `where status = 'active'`) is planned again by SQLite every time it
// runs: SQLite checks the bound value against the index's condition, so each new binding expires
// the prepared statement. That made each of a login's code statements three to six times slower
// than the rest (docs/performance.md). The store writes that value into the SQL instead; this
// checks every statement a code's life runs, on a real database file with otpline's schema, and
// that each still finds its rows through an index.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { CodeStore } from '../../src/store/codes.js';
import { type Db, migrate } from '../../src/store/database.js';

describe('statements on one-time codes (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otpline-codes-'));
  let sqlite: SQLite.Database;
  let db: Db;
  const ran: Array<{ sql: string; parameters: readonly unknown[] }> = [];

  before(async () => {
    sqlite = new SQLite(join(dir, 'otpline.sqlite'));
    db = new Kysely({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (event) => {
        if (event.level === 'query') ran.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    await migrate(db);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bind no value for the column of a partial index condition, and still find the active code', async () => {
    const partialColumns = (
      sqlite
        .prepare(
          "select tbl_name as tableName, sql from sqlite_master where type = 'index' and sql like '% where %'",
        )
        .all() as Array<{ tableName: string; sql: string }>
    ).map((index) => ({
      table: index.tableName,
      column: /where\s+"?(\w+)"?\s*=/i.exec(index.sql)?.[1],
    }));
    assert.ok(
      partialColumns.some((p) => p.table === 'otp_codes' && p.column === 'status'),
      `the schema has the partial index this is about: ${JSON.stringify(partialColumns)}`,
    );

    const codes = new CodeStore(db, 'sqlite');
    const now = Date.now();
    const code = (id: string) => ({
      id,
      connection_id: 'con_1',
      client_id: 'client_1',
      phone_number: '+14155550100',
      code_hash: `hash-${id}`,
      created_at: now,
      expires_at: now + 300_000,
    });
    ran.length = 0;
    await codes.replaceActive(code('code_1'));
    await codes.replaceActive(code('code_2'));
    const active = await codes.findActive('con_1', '+14155550100', now);
    assert.equal(active?.id, 'code_2', 'the newer code replaced the older one');
    assert.equal(await codes.countMiss('code_2', 5), 'active');
    assert.equal(await codes.consume('code_2'), true);
    assert.equal(await codes.consume('code_2'), false, 'a used code cannot be used again');
    assert.equal(await codes.findActive('con_1', '+14155550100', now), undefined);

    const onCodes = ran.filter((statement) => statement.sql.includes('"otp_codes"'));
    assert.ok(onCodes.length >= 6, `the code statements ran: ${onCodes.map((s) => s.sql).join('\n')}`);
    for (const { sql: statement, parameters } of onCodes) {
      // Each finds its rows through an index (by id, or by phone while active), never a scan.
      const plan = (
        sqlite.prepare(`explain query plan ${statement}`).all(...(parameters as unknown[])) as Array<{
          detail: string;
        }>
      ).map((row) => row.detail);
      assert.ok(!plan.some((step) => /^SCAN otp_codes/.test(step)), `${statement}\n${plan.join('\n')}`);
      const where = statement
        .split(/\bwhere\b/i)
        .slice(1)
        .join(' where ');
      for (const { table, column } of partialColumns) {
        if (table !== 'otp_codes' || !column) continue;
        assert.doesNotMatch(where, new RegExp(`"${column}"\\s*(=|!=|<>|in)\\s*\\(?\\?`), statement);
      }
    }
  });
});
