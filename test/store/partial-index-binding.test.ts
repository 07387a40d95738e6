// A statement whose WHERE compares a bound value with the column of a partial index's condition
// (`otp_codes_one_active`: `where status = 'active'`) is planned again by SQLite every time it
// runs: SQLite checks the bound value against the index's condition, so each new binding expires
// the prepared statement. That made each of a login's code statements three to six times slower
// than the rest (docs/performance.md). The store writes that value into the SQL instead; this
// checks every statement a code's life runs, on a real database file with otpline's schema, and
// that each still finds its rows through an index.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CodeStore } from '../../src/store/codes.js';
import { recordedSqlite } from '../helpers/recorded-sqlite.js';

describe('statements on one-time codes (SQLite)', () => {
  let store: Awaited<ReturnType<typeof recordedSqlite>>;

  before(async () => {
    store = await recordedSqlite('otpline-codes-');
  });
  after(() => store.close());

  it('bind no value for the column of a partial index condition, and still find the active code', async () => {
    const partialColumns = (
      store.sqlite
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

    const codes = new CodeStore(store.db, 'sqlite');
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
    store.ran.length = 0;
    await codes.replaceActive(code('code_1'));
    await codes.replaceActive(code('code_2'));
    const active = await codes.findActive('con_1', '+14155550100', now);
    assert.equal(active?.id, 'code_2', 'the newer code replaced the older one');
    assert.equal(await codes.countMiss('code_2', 5), 'active');
    assert.equal(await codes.consume('code_2'), true);
    assert.equal(await codes.consume('code_2'), false, 'a used code cannot be used again');
    assert.equal(await codes.findActive('con_1', '+14155550100', now), undefined);

    const onCodes = store.ran.filter((statement) => statement.sql.includes('"otp_codes"'));
    assert.ok(onCodes.length >= 6, `the code statements ran: ${onCodes.map((s) => s.sql).join('\n')}`);
    for (const ran of onCodes) {
      const statement = ran.sql;
      // Each finds its rows through an index (by id, or by phone while active), never a scan.
      const plan = store.planOf(ran);
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
