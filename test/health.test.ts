// /healthz (liveness) and /readyz (readiness) on a healthy server, then on a database a newer
// otpline has migrated. The outage half (database away) is test/process/postgres-outage.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordFutureMigration } from './helpers/schema.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('health and readiness', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('says ok and ready while the database answers and is migrated', async () => {
    const health = await server.call('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', database: 'ok' });
    const ready = await server.call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
  });

  it('stays alive but not ready once a newer otpline has migrated the database', async () => {
    await recordFutureMigration(server.services.stores.database);
    const ready = await server.call('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { status: 'not_ready', reason: 'database schema newer than this node' });
    const health = await server.call('GET', '/healthz');
    assert.equal(health.status, 200, 'liveness does not depend on the schema');
    assert.deepEqual(health.body, { status: 'ok', database: 'ok' });
  });
});
