import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * When the suite runs on PostgreSQL (scripts/run-tests.mjs sets OTPLINE_TEST_DATABASE_URL to a
 * throwaway server), each test server gets a database of its own, named after its data directory:
 * a server restarted on the same directory finds its data again, as with SQLite.
 */
/** The volume rules against SMS pumping, off: for tests whose load is one client (not what they test). */
export const VOLUME_RULES_OFF = {
  perPrefixPerMinute: 0,
  perPrefixPerHour: 0,
  perCountryPerMinute: 0,
  perCountryPerHour: 0,
  budgetPerHour: 0,
  budgetPerDay: 0,
} as const;

export function testBackend(): 'sqlite' | 'postgres' {
  return process.env.OTPLINE_TEST_DATABASE_URL ? 'postgres' : 'sqlite';
}

export function databaseNameFor(dataDir: string): string {
  return `otpline_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
}

/** The URL of the test database for `dataDir`, created if it does not exist; undefined on SQLite. */
export async function testDatabaseUrl(dataDir: string): Promise<string | undefined> {
  const base = process.env.OTPLINE_TEST_DATABASE_URL;
  if (!base) return undefined;
  const name = databaseNameFor(dataDir);
  await admin(base, async (client) => {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${name}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by a racing start
      });
    }
  });
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the test database of `dataDir` (its connections closed first). */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  const base = process.env.OTPLINE_TEST_DATABASE_URL;
  if (!base) return;
  await admin(base, (client) =>
    client.query(`drop database if exists ${databaseNameFor(dataDir)} with (force)`),
  );
}

/** Runs `fn` with a client of its own on `url`, closed after. */
export async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
