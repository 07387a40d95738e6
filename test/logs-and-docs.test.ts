import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, createConnection, walkthroughConnection } from './helpers/flow.js';
import { captureLog } from './helpers/log-sink.js';
import { ADMIN, GATEWAY_SECRET, startTestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

describe('logs', () => {
  it('never contain codes, secrets or tokens, even at debug level', async () => {
    const captured = captureLog('debug');
    const gateway = await SmsSink.start();
    const server = await startTestServer({}, { logger: captured.logger });
    try {
      const client = await createClient(server, { app_type: 'regular_web' });
      await createConnection(
        server,
        walkthroughConnection(`${gateway.url}/sms`, [client.client_id], {
          gateway_authentication: {
            method: 'bearer',
            audience: 'urn:gw',
            secret: 'connection-gateway-secret',
          },
        }),
      );
      const phone = '+14155552671';
      const start = await server.call('POST', '/passwordless/start', {
        json: {
          client_id: client.client_id,
          client_secret: client.client_secret,
          connection: 'sms-custom-wt',
          phone_number: phone,
        },
      });
      assert.equal(start.status, 200);
      const code = codeIn(gateway.last().body.body);
      const token = await server.call('POST', '/oauth/token', {
        form: {
          grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
          client_id: client.client_id,
          client_secret: client.client_secret,
          realm: 'sms-custom-wt',
          username: phone,
          otp: code,
        },
      });
      assert.equal(token.status, 200);
      await server.call('GET', '/userinfo', { token: token.body.access_token });
      const log = captured.text();
      assert.ok(log.includes('/passwordless/start'), 'requests are logged');
      const secrets = {
        code,
        client_secret: client.client_secret,
        admin_secret: ADMIN.client_secret,
        gateway_secret: GATEWAY_SECRET,
        connection_secret: 'connection-gateway-secret',
        access_token: token.body.access_token,
        id_token: token.body.id_token,
        admin_token: await server.adminToken(),
      };
      for (const [name, value] of Object.entries(secrets))
        assert.ok(!log.includes(value), `${name} appears in the log`);
    } finally {
      await server.stop();
      await gateway.close();
    }
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI document generated from the route schemas, and a browsable page at /docs', async () => {
    const server = await startTestServer();
    try {
      const spec = await server.call('GET', '/docs/json');
      assert.equal(spec.status, 200);
      assert.match(spec.body.openapi, /^3\./);
      for (const path of [
        '/passwordless/start',
        '/oauth/token',
        '/oauth/ro',
        '/gateway/sms',
        '/api/v2/connections',
        '/api/v2/clients',
        '/api/v2/users',
        '/api/v2/sms-messages',
      ]) {
        assert.ok(spec.body.paths[path], `${path} is documented`);
      }
      const start = spec.body.paths['/passwordless/start'].post;
      assert.deepEqual(start.requestBody.content['application/json'].schema.required, [
        'client_id',
        'connection',
        'phone_number',
      ]);
      const page = await fetch(`${server.url}/docs/static/index.html`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /swagger/i);
    } finally {
      await server.stop();
    }
  });
});
