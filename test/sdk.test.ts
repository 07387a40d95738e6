import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Management, ManagementClient } from 'auth0';
import { AuthApiError, AuthenticationClient } from 'auth0-v4';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { walkthroughConnection } from './helpers/flow.js';
import { ADMIN, startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';

const OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';
const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '.certs');
const gatewayAuth = { method: 'bearer', audience: 'urn:my-gateway' };

interface App {
  client_id: string;
  client_secret: string;
}

// The official clients, unmodified, against otpline over HTTPS (the runner trusts the test CA).
describe('official SDKs against otpline', () => {
  let server: TestServer;
  let gateway: SmsSink;
  let domain: string;
  let management: ManagementClient;
  let rsApp: App;
  let hsApp: App;
  let requested: ReturnType<typeof walkthroughConnection>;
  let created: Management.CreateConnectionResponseContent;

  /** The code in the last SMS the gateway received. */
  const lastCode = () => codeIn(gateway.last().body.body);

  const toApp = (client: Management.CreateClientResponseContent): App => {
    assert.ok(client.client_id && client.client_secret, 'a new client comes with its id and secret');
    return { client_id: client.client_id, client_secret: client.client_secret };
  };

  before(async () => {
    server = await startTestServer({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
    });
    gateway = await SmsSink.start();
    domain = `localhost:${server.config.port}`;
    // auth0 v7 fetches its own token: client_credentials for https://<domain>/api/v2/.
    management = new ManagementClient({
      domain,
      clientId: ADMIN.client_id,
      clientSecret: ADMIN.client_secret,
    });
    rsApp = toApp(await management.clients.create({ name: 'RS256 app', app_type: 'regular_web' }));
    hsApp = toApp(
      await management.clients.create({
        name: 'HS256 app',
        app_type: 'regular_web',
        jwt_configuration: { alg: 'HS256' },
      }),
    );
    requested = walkthroughConnection(`${gateway.url}/sms`, [rsApp.client_id, hsApp.client_id], {
      name: 'sms',
      gateway_authentication: { ...gatewayAuth, secret: 'sdk-gateway-secret' },
    });
    created = await management.connections.create({ name: 'sms', strategy: 'sms', ...requested });
  });
  after(async () => {
    await server.stop();
    await gateway.close();
  });

  it('auth0 v7 ManagementClient creates clients and the walk-through connection', async () => {
    assert.equal(server.config.issuer, `https://${domain}/`);
    assert.notEqual(rsApp.client_id, hsApp.client_id);

    assert.match(String(created.id), /^con_/);
    assert.equal(created.name, 'sms');
    assert.equal(created.strategy, 'sms');
    assert.deepEqual([...(created.enabled_clients ?? [])].sort(), [rsApp.client_id, hsApp.client_id].sort());
    // The walk-through's options as sent, except the gateway secret, which is never returned.
    assert.deepEqual(created.options, { ...requested.options, gateway_authentication: gatewayAuth });

    const fetched = await management.connections.get(String(created.id));
    assert.deepEqual(fetched.options, created.options);
    const hs = await management.clients.get(hsApp.client_id);
    assert.equal(hs.jwt_configuration?.alg, 'HS256');

    // otpline's errors reach the SDK as its typed errors.
    await assert.rejects(
      management.connections.create({ name: 'sms', strategy: 'sms' }),
      (err: unknown) => err instanceof Management.ConflictError && err.statusCode === 409,
    );
  });

  it('auth0 v4 AuthenticationClient: sendSMS then loginWithSMS, RS256 id_token accepted', async () => {
    const phone = '+14155550101';
    const auth = new AuthenticationClient({ domain, ...asOptions(rsApp) });
    const sent = await auth.passwordless.sendSMS({ phone_number: phone });
    assert.equal(sent.status, 200);
    assert.equal(gateway.last().body.recipient, phone);
    assert.match(gateway.last().headers.authorization ?? '', /^Bearer /);

    const code = lastCode();
    // loginWithSMS posts the OTP grant (realm "sms") and validates the id_token before returning.
    const login = await auth.passwordless.loginWithSMS({ phone_number: phone, code, scope: 'openid' });
    assert.equal(login.status, 200);
    assert.equal(login.data.token_type, 'Bearer');
    assert.ok(login.data.access_token);
    assert.ok(login.data.id_token);
    assert.equal(decodeProtectedHeader(login.data.id_token).alg, 'RS256');

    // The same code a second time: the SDK surfaces otpline's OAuth error.
    await assert.rejects(
      auth.passwordless.loginWithSMS({ phone_number: phone, code }),
      (err: unknown) =>
        err instanceof AuthApiError && err.statusCode === 403 && err.error === 'invalid_grant',
    );
  });

  it('auth0 v4 accepts an HS256 id_token signed with the client secret', async () => {
    const phone = '+14155550102';
    const auth = new AuthenticationClient({ domain, ...asOptions(hsApp), idTokenSigningAlg: 'HS256' });
    await auth.passwordless.sendSMS({ phone_number: phone });
    const login = await auth.passwordless.loginWithSMS({ phone_number: phone, code: lastCode() });
    assert.equal(login.status, 200);
    assert.ok(login.data.id_token);
    assert.equal(decodeProtectedHeader(login.data.id_token).alg, 'HS256');
  });

  it('openid-client v6: discovery, the OTP grant with id_token signature checks, and userinfo', async () => {
    const phone = '+14155550103';
    const config = await oidc.discovery(new URL(server.config.issuer), rsApp.client_id, rsApp.client_secret);
    oidc.enableNonRepudiationChecks(config);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, server.config.issuer);
    assert.equal(metadata.token_endpoint, `${server.config.issuer}oauth/token`);
    assert.ok(metadata.grant_types_supported?.includes(OTP_GRANT));

    const auth = new AuthenticationClient({ domain, ...asOptions(rsApp) });
    await auth.passwordless.sendSMS({ phone_number: phone });
    const tokens = await oidc.genericGrantRequest(config, OTP_GRANT, {
      username: phone,
      otp: lastCode(),
      realm: 'sms',
      scope: 'openid profile',
    });
    assert.equal(tokens.token_type, 'bearer'); // openid-client lower-cases it
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, server.config.issuer);
    assert.equal(claims.aud, rsApp.client_id);
    assert.match(claims.sub, /^sms\|[0-9a-f]{24}$/);
    assert.equal(claims.phone_number, phone);
    assert.equal(claims.phone_verified, true);

    const me = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(me.sub, claims.sub);
    assert.equal(me.phone_number, phone);
  });
});

function asOptions(app: App) {
  return { clientId: app.client_id, clientSecret: app.client_secret };
}
