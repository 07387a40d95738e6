import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createClient, localSetup, walkthroughConnection } from './helpers/flow.js';
import { ADMIN, startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

describe('Management API', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startTestServer();
    token = await server.adminToken();
  });
  after(async () => server.stop());

  it('issues management tokens only to the management client, for the management audience', async () => {
    const audience = `${server.config.issuer}api/v2/`;
    const ok = await server.call('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', ...ADMIN, audience },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, 'Bearer');
    assert.match(ok.body.scope, /create:connections/);

    const wrongSecret = await server.call('POST', '/oauth/token', {
      json: { grant_type: 'client_credentials', client_id: ADMIN.client_id, client_secret: 'nope', audience },
    });
    assert.equal(wrongSecret.status, 401);
    assert.deepEqual(wrongSecret.body, { error: 'access_denied', error_description: 'Unauthorized' });

    const basic = Buffer.from(`${ADMIN.client_id}:${ADMIN.client_secret}`).toString('base64');
    const viaBasic = await server.call('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', audience },
      headers: { authorization: `Basic ${basic}` },
    });
    assert.equal(viaBasic.status, 200, viaBasic.text);

    const app = await createClient(server, { name: 'backend', app_type: 'non_interactive' });
    const notManagement = await server.call('POST', '/oauth/token', {
      json: {
        grant_type: 'client_credentials',
        client_id: app.client_id,
        client_secret: app.client_secret,
        audience,
      },
    });
    assert.equal(notManagement.status, 403);
    assert.equal(notManagement.body.error, 'access_denied');

    const otherApi = await server.call('POST', '/oauth/token', {
      json: { grant_type: 'client_credentials', ...ADMIN, audience: 'https://api.example/' },
    });
    assert.deepEqual(otherApi.body, {
      error: 'access_denied',
      error_description: 'Service not found: https://api.example/',
    });

    const narrowed = await server.call('POST', '/oauth/token', {
      json: { grant_type: 'client_credentials', ...ADMIN, audience, scope: 'read:users' },
    });
    assert.equal(narrowed.body.scope, 'read:users');
    const forbidden = await server.call('GET', '/api/v2/clients', { token: narrowed.body.access_token });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:clients',
      errorCode: 'insufficient_scope',
    });
  });

  it('refuses missing, tampered, foreign and expired tokens', async () => {
    assert.equal((await server.call('GET', '/api/v2/connections')).status, 401);
    const tampered = `${token.slice(0, -6)}AAAAAA`;
    const result = await server.call('GET', '/api/v2/connections', { token: tampered });
    assert.equal(result.status, 401);
    assert.deepEqual(result.body, {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid token',
      errorCode: 'invalid_token',
    });
    const hs = await new SignJWT({ scope: 'read:connections' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(server.config.issuer)
      .setAudience(`${server.config.issuer}api/v2/`)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(ADMIN.client_secret));
    assert.equal(
      (await server.call('GET', '/api/v2/connections', { token: hs })).status,
      401,
      'HS256 with a guessable key is refused',
    );
    server.clock.advance(86_401_000);
    assert.equal((await server.call('GET', '/api/v2/connections', { token })).status, 401, 'expired');
    server.clock.advance(-86_401_000);
  });

  it('creates, reads, updates and deletes clients; the secret is shown only at creation and rotation', async () => {
    const created = await server.call('POST', '/api/v2/clients', {
      token,
      json: { name: 'Web', app_type: 'regular_web', jwt_configuration: { alg: 'HS256' } },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.client_id, /^[A-Za-z0-9]{32}$/);
    assert.ok(created.body.client_secret.length >= 43);
    assert.equal(created.body.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(created.body.jwt_configuration, { alg: 'HS256', lifetime_in_seconds: 36000 });
    const id = created.body.client_id;

    const read = await server.call('GET', `/api/v2/clients/${id}`, { token });
    assert.equal(read.status, 200);
    assert.equal(read.body.client_secret, undefined);
    const patched = await server.call('PATCH', `/api/v2/clients/${id}`, { token, json: { name: 'Web 2' } });
    assert.equal(patched.body.name, 'Web 2');
    assert.equal(patched.body.app_type, 'regular_web');
    const rotated = await server.call('POST', `/api/v2/clients/${id}/rotate-secret`, { token });
    assert.notEqual(rotated.body.client_secret, created.body.client_secret);

    const list = await server.call('GET', '/api/v2/clients?include_totals=true&per_page=1&page=0', { token });
    assert.equal(list.body.clients.length, 1);
    assert.ok(list.body.total >= 2);

    assert.equal((await server.call('DELETE', `/api/v2/clients/${id}`, { token })).status, 204);
    const gone = await server.call('GET', `/api/v2/clients/${id}`, { token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.errorCode, 'inexistent_client');
    const admin = await server.call('DELETE', `/api/v2/clients/${ADMIN.client_id}`, { token });
    assert.equal(admin.status, 400, 'the management client stays');
  });

  it("takes the walk-through's connection payload verbatim and never returns its secrets", async () => {
    const app = await createClient(server);
    const body = walkthroughConnection('https://gateway.example/sms', [app.client_id], {
      gateway_authentication: {
        method: 'bearer',
        subject: 'urn:auth0',
        audience: 'urn:gw',
        secret: 'top-secret',
        secret_base64_encoded: false,
      },
      twilio_sid: 'AC123',
      twilio_token: 'twilio-secret',
    });
    const created = await server.call('POST', '/api/v2/connections', { token, json: body });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.id, /^con_/);
    assert.equal(created.body.name, 'sms-custom-wt');
    assert.equal(created.body.strategy, 'sms');
    assert.deepEqual(created.body.enabled_clients, [app.client_id]);
    assert.deepEqual(created.body.options.totp, { time_step: 300, length: 6 });
    assert.deepEqual(created.body.options.gateway_authentication, {
      method: 'bearer',
      subject: 'urn:auth0',
      audience: 'urn:gw',
      secret_base64_encoded: false,
    });
    assert.equal(created.body.options.twilio_token, undefined);
    assert.doesNotMatch(created.text, /top-secret|twilio-secret/);

    const id = created.body.id;
    const read = await server.call('GET', `/api/v2/connections/${id}`, { token });
    assert.doesNotMatch(read.text, /top-secret|twilio-secret/);

    // PATCH replaces options whole; a secret left out (as GET shows it) is kept.
    const options = { ...read.body.options, template: 'Code @@password@@' };
    const patched = await server.call('PATCH', `/api/v2/connections/${id}`, { token, json: { options } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.options.template, 'Code @@password@@');
    const stored = await server.services.connections.get(id);
    assert.equal(stored?.options.gateway_authentication?.secret, 'top-secret');
    assert.equal(stored?.options.twilio_token, 'twilio-secret');

    const conflict = await server.call('POST', '/api/v2/connections', { token, json: body });
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.body, {
      statusCode: 409,
      error: 'Conflict',
      message: 'A connection with the same name already exists',
      errorCode: 'connection_conflict',
    });

    const list = await server.call('GET', '/api/v2/connections?strategy=sms', { token });
    assert.ok(list.body.some((c: { id: string }) => c.id === id));
    assert.equal((await server.call('DELETE', `/api/v2/connections/${id}`, { token })).status, 202);
    assert.equal((await server.call('GET', `/api/v2/connections/${id}`, { token })).status, 404);
  });

  it('rejects bad connections with Auth0-style 400s', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ strategy: 'sms' }, /Missing required property: name/],
      [{ name: 'x' }, /Missing required property: strategy/],
      [{ name: 'bad name!', strategy: 'sms' }, /does not match pattern/],
      [{ name: 'db', strategy: 'auth0' }, /not supported/],
      [{ name: 'x', strategy: 'sms', options: { totp: { length: 2 } } }, /length/],
      [
        { name: 'x', strategy: 'sms', options: { totp: { time_step: 'soon' } } },
        /invalid type: string \(expected integer\)/,
      ],
      [{ name: 'x', strategy: 'sms', options: { provider: 'sms_gateway' } }, /gateway_url is required/],
      [
        { name: 'x', strategy: 'sms', options: { provider: 'sms_gateway', gateway_url: 'ftp://x' } },
        /http or https/,
      ],
      [
        { name: 'x', strategy: 'sms', options: { syntax: 'liquid', template: 'Code {{ password' } },
        /template is not valid liquid/,
      ],
      [
        {
          name: 'x',
          strategy: 'sms',
          options: { gateway_authentication: { method: 'bearer', audience: 'a' } },
        },
        /secret/,
      ],
      [{ name: 'x', strategy: 'sms', enabled_clients: ['ghost'] }, /unknown clients: ghost/],
      [{ name: 'x', strategy: 'sms', unexpected: true }, /not allowed: unexpected/],
      [{ name: { $ne: null }, strategy: 'sms' }, /invalid type: object \(expected string\)/],
    ];
    for (const [body, pattern] of bad) {
      const result = await server.call('POST', '/api/v2/connections', { token, json: body });
      assert.equal(result.status, 400, `${JSON.stringify(body)}: ${result.text}`);
      assert.equal(result.body.errorCode, 'invalid_body');
      assert.equal(result.body.statusCode, 400);
      assert.match(result.body.message, pattern, JSON.stringify(body));
    }
    const broken = await server.call('POST', '/api/v2/connections', { token, raw: '{"name": "x",' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.errorCode, 'invalid_body');
    const query = await server.call('GET', '/api/v2/connections?per_page=1000', { token });
    assert.equal(query.status, 400);
    assert.equal(query.body.errorCode, 'invalid_query_string');
  });
});

describe('deleting a connection', () => {
  it('deletes its users too, as Auth0 does', async () => {
    const sink = await SmsSink.start();
    const server = await startTestServer({ provider: { name: 'webhook', webhook: { url: sink.url } } });
    try {
      const token = await server.adminToken();
      const client = await localSetup(server, {}, 'doomed');
      await server.call('POST', '/passwordless/start', {
        json: { client_id: client.client_id, connection: 'doomed', phone_number: '+14155552671' },
      });
      await sink.waitFor(1);
      const login = await server.call('POST', '/oauth/token', {
        json: {
          grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
          client_id: client.client_id,
          realm: 'doomed',
          username: '+14155552671',
          otp: codeIn(sink.last().body.body),
        },
      });
      assert.equal(login.status, 200, login.text);
      const users = await server.call('GET', '/api/v2/users?connection=doomed', { token });
      assert.equal(users.body.length, 1);
      const id = (await server.call('GET', '/api/v2/connections?name=doomed', { token })).body[0].id;
      assert.equal((await server.call('DELETE', `/api/v2/connections/${id}`, { token })).status, 202);
      assert.equal(
        (await server.call('GET', `/api/v2/users/${users.body[0].user_id}`, { token })).status,
        404,
      );
      assert.equal((await server.call('GET', '/api/v2/users', { token })).body.length, 0);
    } finally {
      await server.stop();
      await sink.close();
    }
  });
});
