import { join } from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import type pg from 'pg';
import { migrationNames, migrationProvider } from './migrations/index.js';
import { openPostgres, type PostgresSettings } from './postgres/open.js';
import { openSqlite } from './sqlite/open.js';
import type { Database } from './tables.js';

export type Db = Kysely<Database>;

/** The SQL dialects the stores speak; where their SQL must differ, it differs in one place each. */
export type Dialect = 'sqlite' | 'postgres';

/** When a request's writes are on disk (SQLite's group commit; PostgreSQL commits each at once). */
export interface Durability {
  /** Taken when a request starts. */
  mark(): number;
  /** Resolves once every write made since `mark` is committed; rejects if one was rolled back. */
  durableSince(mark: number): Promise<void>;
}

/** Every write is committed before its statement returns. */
export const COMMITTED_AT_ONCE: Durability = { mark: () => 0, durableSince: async () => {} };

export interface OpenDatabase {
  db: Db;
  dialect: Dialect;
  durability: Durability;
  /** PostgreSQL's connection pool (for LISTEN/NOTIFY); none with SQLite. */
  pool?: pg.Pool;
}

/**
 * Opens the configured database: PostgreSQL when `database.url` is set (several nodes share it),
 * otherwise the embedded SQLite file in the data directory.
 */
export function openDatabase(config: {
  dataDir: string;
  database: Omit<PostgresSettings, 'url'> & { url?: string };
}): OpenDatabase {
  const { url, ...pool } = config.database;
  if (url) return { ...openPostgres({ url, ...pool }), dialect: 'postgres', durability: COMMITTED_AT_ONCE };
  const { db, groupCommit } = openSqlite(join(config.dataDir, 'otpline.sqlite'));
  return { db, dialect: 'sqlite', durability: groupCommit };
}

/** A database whose schema is newer than this otpline knows: an older node must not run on it. */
export class SchemaTooNew extends Error {}

/** The migrations this otpline knows and the database has not run yet, in order. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const applied = await appliedMigrations(db);
  const unknown = applied.filter((name) => !migrationNames.includes(name));
  if (unknown.length) {
    throw new SchemaTooNew(
      `the database schema is newer than this otpline knows (migrations ${unknown.join(', ')}): upgrade otpline before starting it on this database`,
    );
  }
  return migrationNames.filter((name) => !applied.includes(name));
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * Brings the schema up to date. Migrations are append-only and run in order, each in a
 * transaction; on PostgreSQL Kysely holds an advisory lock meanwhile, so nodes starting at once
 * migrate once. A database migrated by a newer otpline is refused.
 */
export async function migrate(db: Db): Promise<string[]> {
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return [];
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when `err` means the database cannot be reached now (down, restarting, out of connections). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  // Sockets: refused, reset, unreachable; PostgreSQL: shutting down, starting up, too many
  // connections, connection failures (class 08), statement cancelled by timeout.
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      e.code ?? '',
    )
  )
    return true;
  if (['57P01', '57P02', '57P03', '53300', '57014'].includes(e.code ?? '') || /^08/.test(e.code ?? ''))
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
    e.message ?? '',
  );
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
