import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../tables.js';

export interface PostgresSettings {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

// Read back as the SQLite driver reads them: times (bigint milliseconds), counts (`count(*)` is
// bigint) and sums (numeric) as JavaScript numbers. Times stay below 2^53 for 285,000 years.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** The pool and the Kysely instance over it; the pool is also used for LISTEN/NOTIFY. */
export function openPostgres(settings: PostgresSettings): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    // A statement stuck on a dead connection gives up too, a little after the server would.
    query_timeout: settings.statementTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'otpline',
    types,
  });
  // An idle connection the server dropped (restart, failover) emits here: without a listener it
  // would crash the process. The next query opens a fresh one.
  pool.on('error', () => {});
  // The pool listens to a client only while it is idle. One in use (a transaction between two
  // statements) whose connection drops emits 'error' too, and unheard it would crash the process:
  // its query fails instead (503), and the pool discards the client when it comes back.
  pool.on('connect', (client) => client.on('error', () => {}));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}
