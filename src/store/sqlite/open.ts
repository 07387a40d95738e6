import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import type { Database } from '../tables.js';

/**
 * Opens (creating if needed) the embedded SQLite database in WAL mode. better-sqlite3 returns
 * integers as JavaScript numbers, which is how every store reads times and counters.
 */
export function openSqlite(file: string): Kysely<Database> {
  mkdirSync(dirname(file), { recursive: true });
  // Create it owner-only: it holds secrets and signing keys. SQLite gives -wal and -shm the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL'); // a 2xx means the row is on disk, even across power loss
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const STATEMENTS_KEPT = 500;

/**
 * Kysely prepares every statement anew, which was a tenth of otpline's time under load
 * (docs/performance.md). The same SQL text gets the same prepared statement back: better-sqlite3
 * runs each to completion synchronously, so one statement is never in use twice at once, and SQLite
 * re-prepares it by itself after a schema change. The least recently used are dropped past 500.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql); // re-inserted below: the Map's order is the recency order
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENTS_KEPT) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement as unknown as SqliteStatement;
    },
  };
}
