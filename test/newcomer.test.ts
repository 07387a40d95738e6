// What a newcomer tripped on (issue 5), tried the way they tried it. The parts that run the real
// program are in test/process/newcomer.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSetup } from './helpers/flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

describe('optional fields sent as null, as auth0-python sends them', () => {
  let server: TestServer;
  let sink: SmsSink;
  let client: { client_id: string };
  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({ provider: { name: 'webhook', webhook: { url: sink.url } } });
    client = await localSetup(server);
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });

  it('are treated as absent at /passwordless/start, /oauth/token and /oauth/ro', async () => {
    const phone = '+14155552671';
    const start = await server.call('POST', '/passwordless/start', {
      json: {
        client_id: client.client_id,
        client_secret: null,
        connection: 'sms',
        phone_number: phone,
        send: 'code',
        authParams: null,
      },
    });
    assert.equal(start.status, 200, start.text);
    await sink.waitFor(1);
    // GetToken.passwordless_login(..., audience=None) sends exactly this.
    const token = await server.call('POST', '/oauth/token', {
      json: {
        grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        client_id: client.client_id,
        client_secret: null,
        username: phone,
        otp: codeIn(sink.last().body.body),
        realm: 'sms',
        scope: 'openid',
        audience: null,
      },
    });
    assert.equal(token.status, 200, token.text);
    const ro = await server.call('POST', '/oauth/ro', {
      json: {
        client_id: client.client_id,
        connection: 'sms',
        grant_type: 'password',
        username: phone,
        password: '000000',
        device: null,
      },
    });
    assert.equal(ro.status, 401, 'a wrong code, not a schema error');
    assert.equal(ro.body.error, 'invalid_user_password');
  });
});

describe("clients keep Auth0's fields", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.stop());

  it('stores web_origins, allowed_origins, callbacks, allowed_logout_urls and other Auth0 fields, and returns them', async () => {
    const token = await server.adminToken();
    const fields = {
      callbacks: ['https://app.example/callback'],
      web_origins: ['https://app.example'],
      allowed_origins: ['https://app.example'],
      allowed_logout_urls: ['https://app.example/bye'],
      oidc_conformant: true,
      logo_uri: 'https://app.example/logo.png',
      refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 2592000 },
    };
    const created = await server.call('POST', '/api/v2/clients', {
      token,
      json: { name: 'SPA', app_type: 'spa', ...fields },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.client_id;
    const read = await server.call('GET', `/api/v2/clients/${id}`, { token });
    for (const [key, value] of Object.entries(fields)) assert.deepEqual(read.body[key], value, key);

    const patched = await server.call('PATCH', `/api/v2/clients/${id}`, {
      token,
      json: { web_origins: ['https://new.example'], refresh_token: null, sso_disabled: true },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.web_origins, ['https://new.example']);
    assert.deepEqual(patched.body.callbacks, fields.callbacks, 'fields left out are kept');
    assert.equal(patched.body.refresh_token, undefined, 'null removes a field');
    assert.equal(patched.body.sso_disabled, true);
    assert.equal(patched.body.logo_uri, fields.logo_uri);
    const listed = await server.call('GET', '/api/v2/clients', { token });
    const inList = listed.body.find((c: { client_id: string }) => c.client_id === id);
    assert.deepEqual(inList.web_origins, ['https://new.example']);
  });

  it('refuses fields a caller may not set, and names that are not Auth0 fields', async () => {
    const token = await server.adminToken();
    for (const json of [
      { name: 'x', client_id: 'chosen-by-me' },
      { name: 'x', is_management: true },
      { name: 'x', 'Not A Field': 1 },
      { name: 'x', web_origins: 'https://not-a-list.example' },
    ]) {
      const result = await server.call('POST', '/api/v2/clients', { token, json });
      assert.equal(result.status, 400, `${JSON.stringify(json)}: ${result.text}`);
      assert.equal(result.body.errorCode, 'invalid_body');
    }
    const unknown = await server.call('POST', '/api/v2/clients', {
      token,
      json: { name: 'x', client_id: 'a' },
    });
    assert.equal(
      unknown.body.message,
      "Payload validation error: 'Additional properties not allowed: client_id'.",
    );
  });
});
