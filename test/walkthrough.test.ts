import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, createConnection, walkthroughConnection } from './helpers/flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

// Auth0's "custom SMS gateway" walk-through, step by step, against otpline and an external gateway.
describe('the custom SMS gateway walk-through', () => {
  let server: TestServer;
  let gateway: SmsSink;
  let client: { client_id: string };
  const phone = '+12223334444';
  const gatewaySecret = 'walkthrough-shared-secret';

  before(async () => {
    server = await startTestServer();
    gateway = await SmsSink.start();
    client = await createClient(server);
    await createConnection(
      server,
      walkthroughConnection(`${gateway.url}/sms`, [client.client_id], {
        gateway_authentication: {
          method: 'bearer',
          subject: 'urn:otpline',
          audience: 'urn:my-gateway',
          secret: gatewaySecret,
        },
        forward_req_info: 'true',
      }),
    );
  });
  after(async () => {
    await server.stop();
    await gateway.close();
  });

  it('sends the code to the gateway as {recipient, body, sender} with a bearer JWT, and /oauth/ro trades it for tokens', async () => {
    const start = await server.call('POST', '/passwordless/start', {
      json: {
        client_id: client.client_id,
        connection: 'sms-custom-wt',
        phone_number: phone,
        send: 'code',
        authParams: { scope: 'openid', state: 'YOUR_STATE' },
      },
      headers: { 'user-agent': 'walkthrough-test' },
    });
    assert.equal(start.status, 200, start.text);
    assert.match(start.body._id, /^[0-9a-f]{24}$/);
    assert.deepEqual(
      { ...start.body, _id: 'x' },
      { _id: 'x', phone_number: phone, request_language: null, phone_verified: false },
    );

    // The gateway got Auth0's exact payload, while /passwordless/start waited for it.
    assert.equal(gateway.received.length, 1);
    const sent = gateway.last();
    assert.equal(sent.path, '/sms');
    assert.equal(sent.headers['content-type'], 'application/json');
    assert.equal(sent.body.recipient, phone);
    assert.equal(sent.body.sender, '+11111111111');
    assert.match(String(sent.body.body), /^Your one time password is > \d{6}$/);
    assert.deepEqual(Object.keys(sent.body).sort(), ['body', 'recipient', 'req', 'sender']);
    assert.equal((sent.body.req as Record<string, string>)['user-agent'], 'walkthrough-test');
    assert.equal((sent.body.req as Record<string, string>).ip, '127.0.0.1');

    const bearer = /^Bearer (.+)$/.exec(String(sent.headers.authorization))?.[1];
    assert.ok(bearer, 'gateway call carries a bearer token');
    const { payload, protectedHeader } = await jwtVerify(bearer, new TextEncoder().encode(gatewaySecret), {
      audience: 'urn:my-gateway',
      algorithms: ['HS256'],
    });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.sub, 'urn:otpline');
    assert.ok(payload.exp && payload.iat && payload.exp > payload.iat);

    const code = codeIn(sent.body.body);
    const ro = await server.call('POST', '/oauth/ro', {
      json: {
        client_id: client.client_id,
        connection: 'sms-custom-wt',
        grant_type: 'password',
        username: phone,
        password: code,
        scope: 'openid',
        device: 'My Phone',
      },
    });
    assert.equal(ro.status, 200, ro.text);
    assert.equal(ro.body.token_type, 'bearer');
    assert.ok(ro.body.access_token);

    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const idToken = await jwtVerify(ro.body.id_token, jwks, {
      issuer: server.config.issuer,
      audience: client.client_id,
    });
    assert.equal(idToken.protectedHeader.alg, 'RS256');
    assert.match(String(idToken.payload.sub), /^sms\|[0-9a-f]{24}$/);
    assert.equal(idToken.payload.phone_number, phone);
    assert.equal(idToken.payload.phone_verified, true);

    // The code worked once.
    const again = await server.call('POST', '/oauth/ro', {
      json: {
        client_id: client.client_id,
        connection: 'sms-custom-wt',
        grant_type: 'password',
        username: phone,
        password: code,
      },
    });
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, {
      error: 'invalid_user_password',
      error_description: 'Wrong phone number or verification code.',
    });

    // The user exists, verified, with an sms identity.
    const users = await server.call('GET', '/api/v2/users', { token: await server.adminToken() });
    assert.equal(users.status, 200);
    assert.equal(users.body.length, 1);
    assert.equal(users.body[0].user_id, idToken.payload.sub);
    assert.equal(users.body[0].phone_verified, true);
    assert.deepEqual(users.body[0].identities[0], {
      connection: 'sms-custom-wt',
      user_id: String(idToken.payload.sub).slice(4),
      provider: 'sms',
      isSocial: false,
    });
  });

  it('trades a code for tokens at /oauth/token with the passwordless OTP grant (form-encoded), and /userinfo answers', async () => {
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms-custom-wt', phone_number: phone, send: 'code' },
    });
    assert.equal(start.status, 200, start.text);
    const code = codeIn(gateway.last().body.body);
    const token = await server.call('POST', '/oauth/token', {
      form: {
        grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        client_id: client.client_id,
        realm: 'sms-custom-wt',
        username: phone,
        otp: code,
        scope: 'openid profile',
      },
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.token_type, 'Bearer');
    assert.equal(token.body.expires_in, 86400);
    assert.equal(token.headers.get('cache-control'), 'no-store');
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const idToken = await jwtVerify(token.body.id_token, jwks, {
      issuer: server.config.issuer,
      audience: client.client_id,
    });
    assert.equal(idToken.payload.phone_number, phone);

    const me = await server.call('GET', '/userinfo', { token: token.body.access_token });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.sub, idToken.payload.sub);
    assert.equal(me.body.phone_number, phone);
    assert.equal(
      (await server.call('GET', '/userinfo', { token: `${token.body.access_token}x` })).status,
      401,
    );
    assert.equal((await server.call('GET', '/userinfo')).status, 401);
  });

  it('reports a gateway refusal as Auth0 does: 400 sms_provider_error, and the message is recorded as failed', async () => {
    gateway.respondWith(500);
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms-custom-wt', phone_number: '+14155552671' },
    });
    assert.equal(start.status, 400);
    assert.deepEqual(start.body, {
      error: 'sms_provider_error',
      error_description: 'Unexpected response while calling the SMS gateway: 500',
    });
    gateway.respondWith(401);
    const unauthorized = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'sms-custom-wt', phone_number: '+14155552671' },
    });
    assert.equal(
      unauthorized.body.error_description,
      'Authentication failed while calling the SMS gateway: 401',
    );

    const messages = await server.call('GET', '/api/v2/sms-messages?recipient=%2B14155552671', {
      token: await server.adminToken(),
    });
    assert.equal(messages.status, 200);
    assert.equal(messages.body.length, 2);
    for (const message of messages.body) {
      assert.equal(message.status, 'failed');
      assert.equal(message.route, 'gateway_url');
      assert.equal(message.attempts.length, 1);
      assert.match(
        message.body,
        /^Your one time password is > \*{6}$/,
        'the code is masked in the delivery log',
      );
    }
  });

  it('gives up on a silent gateway after the configured timeout', async () => {
    const slow = await startTestServer({ gateway: { secret: 'x'.repeat(32), outboundTimeoutMs: 300 } });
    const sink = await SmsSink.start();
    sink.delayMs = 2000;
    try {
      const app = await createClient(slow);
      await createConnection(slow, walkthroughConnection(`${sink.url}/sms`, [app.client_id]));
      const start = await slow.call('POST', '/passwordless/start', {
        json: { client_id: app.client_id, connection: 'sms-custom-wt', phone_number: phone },
      });
      assert.equal(start.status, 400);
      assert.equal(start.body.error, 'sms_provider_error');
      assert.match(start.body.error_description, /^Timeout while calling the SMS gateway/);
    } finally {
      await slow.stop();
      await sink.close();
    }
  });
});
