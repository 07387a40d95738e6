import { join } from 'node:path';
import { type Kysely, Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import { openSqlite } from './sqlite/open.js';
import type { Database } from './tables.js';

export type Db = Kysely<Database>;

/** The SQL dialects the stores speak; where their SQL must differ, it differs in one place each. */
export type Dialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Db;
  dialect: Dialect;
}

/** Opens the configured database: the embedded SQLite file in the data directory. */
export function openDatabase(config: { dataDir: string }): OpenDatabase {
  return { db: openSqlite(join(config.dataDir, 'otpline.sqlite')), dialect: 'sqlite' };
}

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`,
    );
  }
}

/** True when `err` is the database refusing a row that points at one that does not exist. */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e?.code === '23503';
}

/** True when `err` is the database refusing a duplicate of a unique key (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === '23505' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}
