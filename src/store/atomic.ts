import type { Db } from './database.js';

/** Runs `fn` in a transaction, or in the caller's when `db` already is one (Kysely cannot nest them). */
export function atomically<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
