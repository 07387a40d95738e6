import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../tables.js';
import { GroupCommit, WalFile } from './group-commit.js';

/** Pages in the WAL that start a checkpoint (SQLite's default: 1000). */
export const WAL_CHECKPOINT_PAGES = 4000;

/**
 * Opens (creating if needed) the embedded SQLite database in WAL mode, with group commit (see
 * GroupCommit). better-sqlite3 returns integers as JavaScript numbers, which is how every store
 * reads times and counters.
 */
export function openSqlite(file: string): { db: Kysely<Database>; groupCommit: GroupCommit } {
  mkdirSync(dirname(file), { recursive: true });
  // Create it owner-only: it holds secrets and signing keys. SQLite gives -wal and -shm the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // A 2xx still means the row is on disk, even across power loss: COMMIT does not wait for the
  // disk, the group commit does, with an fdatasync of the WAL off the main thread (GroupCommit).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Statement and savepoint journals stay in memory. Every write inside the shared transaction
  // journals the pages it changes; past 64 KiB SQLite spilled them to a temporary file, a write
  // call per page on the main thread. They live only until their statement or savepoint ends.
  sqlite.pragma('temp_store = MEMORY');
  // SQLite copies the WAL into the database (a checkpoint, on the main thread, with two fsyncs)
  // once it holds this many pages: 16 MiB instead of 4. A login writes about fifteen pages, many
  // of them the same index pages again; the longer interval copies each of those once, which took
  // a third off the commits' time under the login bench (docs/performance.md). The -wal file
  // stays at about this size on disk.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  const groupCommit = new GroupCommit(sqlite, new WalFile(`${file}-wal`));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: groupCommit.database }) });
  return { db, groupCommit };
}
