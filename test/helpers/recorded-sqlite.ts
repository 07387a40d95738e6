import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type Db, migrate } from '../../src/store/database.js';

export interface RanStatement {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * otpline's schema on a real SQLite file in a new directory, with every statement Kysely runs
 * recorded as it ran: for tests of what SQLite does with the store's statements (query plans).
 */
export async function recordedSqlite(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sqlite = new SQLite(join(dir, 'otpline.sqlite'));
  const ran: RanStatement[] = [];
  const db = new Kysely({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') ran.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  }) as unknown as Db;
  await migrate(db);
  return {
    sqlite,
    db,
    ran,
    /** SQLite's query plan for a statement, with the values it ran with. */
    planOf(statement: RanStatement): string[] {
      const rows = sqlite
        .prepare(`explain query plan ${statement.sql}`)
        .all(...(statement.parameters as unknown[])) as Array<{ detail: string }>;
      return rows.map((row) => row.detail);
    },
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
