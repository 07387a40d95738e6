import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import { csrfOf, HttpBrowser } from '../helpers/http-browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');
const CALLBACK = 'https://web.example/callback';

// A server-side web application with panva's openid-client 6, unmodified: discovery, the
// authorization code flow with PKCE through otpline's hosted login page (driven here as a
// browser would, form by form), the code exchange with the client secret, the id_token checks,
// userinfo, and refresh token rotation.
describe('openid-client 6: code flow with PKCE for a confidential web application', () => {
  let server: TestServer;
  let sink: SmsSink;
  let app: { client_id: string; client_secret: string };

  before(async () => {
    server = await startTestServer({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
    });
    sink = await SmsSink.start();
    app = await createClient(server, { name: 'Web app', app_type: 'regular_web', callbacks: [CALLBACK] });
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [app.client_id], { name: 'sms' }),
    });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('logs in, verifies the id_token, reads userinfo and rotates the refresh token', async () => {
    // Discovery over HTTPS (the test CA is trusted through NODE_EXTRA_CA_CERTS); the secret is sent
    // as client_secret_post, openid-client's default.
    const config = await oidc.discovery(new URL(server.config.issuer), app.client_id, app.client_secret);
    assert.equal(config.serverMetadata().issuer, server.config.issuer);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid phone offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    assert.equal(authorizationUrl.origin, new URL(server.url).origin);

    // The user at the hosted login page: the phone number, then the code from the SMS.
    const phone = '+14155550180';
    const browser = new HttpBrowser(server.url);
    const page = await browser.get(authorizationUrl.toString());
    assert.equal(page.status, 200);
    const already = sink.received.length;
    const codePage = await browser.postForm('/authorize/phone', {
      csrf: csrfOf(page.text),
      phone_number: phone,
      country: 'US',
    });
    assert.equal(codePage.status, 200, codePage.text);
    await sink.waitFor(already + 1);
    const smsCode = codeIn(sink.received[already]?.body.body);
    const back = await browser.postForm('/authorize/code', { csrf: csrfOf(codePage.text), code: smsCode });
    assert.equal(back.status, 302, back.text);
    assert.ok(back.location?.startsWith(`${CALLBACK}?`), `back at the application: ${back.location}`);

    // The application's callback: openid-client checks state, exchanges the code with the
    // verifier and the secret, and verifies the id_token (issuer, audience, nonce, expiry).
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.location ?? ''), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.phone_number, phone);
    assert.equal(claims.nonce, nonce);
    assert.match(claims.sub, /^sms\|[0-9a-f]{24}$/);
    assert.ok(tokens.refresh_token, 'offline_access gave a refresh token');

    const me = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(me.phone_number, phone);
    assert.equal(me.phone_verified, true);

    // Rotation: a new refresh token each time; the old one is then refused.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    const again = await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub);
    assert.equal(again.phone_number, phone);
    await assert.rejects(
      oidc.refreshTokenGrant(config, tokens.refresh_token),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );
    // A code works once: the same callback again fails, and revokes the tokens the code led to.
    await assert.rejects(
      oidc.authorizationCodeGrant(config, new URL(back.location ?? ''), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      }),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );

    await assert.rejects(
      oidc.refreshTokenGrant(config, refreshed.refresh_token ?? ''),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );
  });
});
