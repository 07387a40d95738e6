import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { WRONG_CODE } from '../../src/errors.js';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import { fragmentOf, HttpBrowser } from '../helpers/http-browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const APP = 'https://app.example';
const CALLBACK = `${APP}/callback`;
const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';

// The embedded login at the HTTP level, as auth0.js and Lock drive it from the application's own
// page: /co/authenticate for a login ticket, /authorize?login_ticket=… for the answer; the
// /passwordless/verify + verify_redirect pair of pages served by otpline; what Lock reads first.
describe('embedded login over HTTP (/co/authenticate, login tickets, verify_redirect, Lock’s reads)', () => {
  let server: TestServer;
  let sink: SmsSink;
  let clientId: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let phoneSeq = 0;

  before(async () => {
    // A default country of its own, to tell it from the built-in US.
    server = await startTestServer({ login: { defaultCountry: 'NZ' } });
    sink = await SmsSink.start();
    const client = await createClient(server, {
      name: 'Embedded',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      callbacks: [CALLBACK],
      allowed_origins: [APP],
      grant_types: ['implicit', 'authorization_code', OTP],
    });
    clientId = client.client_id;
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [clientId], { name: 'sms' }),
    });
    jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  /** A new phone number and the code otpline sent it (through /passwordless/start, as auth0.js does). */
  const codeFor = async (client = clientId) => {
    const phone = `+1415555${String(2000 + phoneSeq++).padStart(4, '0')}`;
    const already = sink.received.length;
    const started = await server.call('POST', '/passwordless/start', {
      json: { client_id: client, connection: 'sms', phone_number: phone, send: 'code' },
    });
    assert.equal(started.status, 200, started.text);
    await sink.waitFor(already + 1);
    return { phone, code: codeIn(sink.received[already]?.body.body) };
  };

  const authenticate = (browser: HttpBrowser, body: Record<string, unknown>, origin: string | null = APP) =>
    browser.postJson('/co/authenticate', body, origin ? { origin } : {});

  const coBody = (phone: string, code: string, extra: Record<string, unknown> = {}) => ({
    client_id: clientId,
    credential_type: OTP,
    username: phone,
    otp: code,
    realm: 'sms',
    ...extra,
  });

  const authorizeWith = (params: Record<string, string>) =>
    `/authorize?${new URLSearchParams({
      client_id: clientId,
      redirect_uri: CALLBACK,
      response_type: 'token id_token',
      scope: 'openid',
      state: 'app-state',
      nonce: 'app-nonce',
      realm: 'sms',
      ...params,
    })}`;

  it('a right code gives a ticket that logs this browser in once, with tokens in the fragment', async () => {
    const browser = new HttpBrowser(server.url);
    const { phone, code } = await codeFor();
    const authenticated = await authenticate(browser, coBody(phone, code));
    assert.equal(authenticated.status, 200, authenticated.text);
    const { login_ticket, co_verifier, co_id } = authenticated.body;
    assert.match(login_ticket, /^[\w-]{32,}$/);
    assert.match(co_verifier, /^[\w-]{32,}$/);
    assert.match(co_id, /^[A-Za-z0-9]{16,}$/);
    // The page can read the answer (CORS with credentials), and the cookie survives a cross-site call.
    assert.equal(authenticated.headers.get('access-control-allow-origin'), APP);
    assert.equal(authenticated.headers.get('access-control-allow-credentials'), 'true');
    const cookie = authenticated.setCookies.find((line) => line.startsWith('otpline_co='));
    assert.ok(cookie, 'the co_verifier cookie');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /SameSite=None/);

    const back = await browser.get(authorizeWith({ login_ticket }));
    assert.equal(back.status, 302, back.text);
    assert.ok(back.location?.startsWith(`${CALLBACK}#`), `back at the app: ${back.location}`);
    const answer = fragmentOf(back.location);
    assert.equal(answer.get('state'), 'app-state');
    assert.equal(answer.get('token_type'), 'Bearer');
    assert.ok(Number(answer.get('expires_in')) > 0);
    assert.equal(answer.get('refresh_token'), null, 'no refresh token in a URL');
    const accessToken = answer.get('access_token') ?? '';
    const { payload } = await jwtVerify(answer.get('id_token') ?? '', jwks, {
      issuer: server.config.issuer,
      audience: clientId,
      currentDate: new Date(server.clock.now()),
    });
    assert.equal(payload.nonce, 'app-nonce');
    assert.equal(payload.phone_number, phone);
    const expectedAtHash = createHash('sha256')
      .update(accessToken)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    assert.equal(payload.at_hash, expectedAtHash);
    assert.ok(
      browser.cookies.has('otpline_session'),
      'logged in at otpline too (a later /authorize is silent)',
    );
    const userinfo = await server.call('GET', '/userinfo', { token: accessToken });
    assert.equal(userinfo.body.phone_number, phone);

    // The same ticket again: refused, whoever shows it.
    const again = await browser.get(authorizeWith({ login_ticket }));
    assert.equal(fragmentOf(again.location).get('error'), 'access_denied');
    assert.equal(fragmentOf(again.location).get('state'), 'app-state');

    // The session it started: a silent login (prompt=none) answers at once.
    const silent = await browser.get(authorizeWith({ prompt: 'none' }));
    assert.ok(fragmentOf(silent.location).get('id_token'), `silent login: ${silent.location}`);
  });

  it('a ticket starts an otpline session only with its co_verifier cookie, and never with another', async () => {
    const app = new HttpBrowser(server.url);
    const first = await codeFor();
    const { login_ticket } = (await authenticate(app, coBody(first.phone, first.code))).body;
    // No cookie (a browser that blocks third-party cookies, or a ticket planted in a link): the
    // application gets its answer, which its state and nonce check, but otpline logs nobody in.
    const other = new HttpBrowser(server.url);
    const unbound = await other.get(authorizeWith({ login_ticket }));
    assert.ok(fragmentOf(unbound.location).get('id_token'), `answered: ${unbound.location}`);
    assert.ok(!other.cookies.has('otpline_session'), 'no otpline session without the co_verifier');
    const silent = await other.get(authorizeWith({ prompt: 'none' }));
    assert.equal(fragmentOf(silent.location).get('error'), 'login_required');
    const spent = await app.get(authorizeWith({ login_ticket }));
    assert.equal(fragmentOf(spent.location).get('error'), 'access_denied', 'used once already');

    // Another login's co_verifier: refused outright, and the ticket is spent by the attempt.
    const second = await codeFor();
    const ticket = (await authenticate(app, coBody(second.phone, second.code))).body.login_ticket;
    other.cookies.set('otpline_co', 'forged');
    const forged = await other.get(authorizeWith({ login_ticket: ticket }));
    assert.equal(fragmentOf(forged.location).get('error'), 'access_denied');
    assert.equal(fragmentOf(forged.location).get('access_token'), null);
    const late = await app.get(authorizeWith({ login_ticket: ticket }));
    assert.equal(fragmentOf(late.location).get('error'), 'access_denied');
  });

  it('a ticket lives 5 minutes', async () => {
    const browser = new HttpBrowser(server.url);
    const { phone, code } = await codeFor();
    const { login_ticket } = (await authenticate(browser, coBody(phone, code))).body;
    server.clock.advance(5 * 60_000 + 1);
    const expired = await browser.get(authorizeWith({ login_ticket }));
    assert.equal(fragmentOf(expired.location).get('error'), 'access_denied');
    assert.match(fragmentOf(expired.location).get('error_description') ?? '', /expired/);
  });

  it('the code flow works with a ticket too (PKCE for a public application)', async () => {
    const browser = new HttpBrowser(server.url);
    const { phone, code } = await codeFor();
    const { login_ticket } = (await authenticate(browser, coBody(phone, code))).body;
    const verifier = randomBytes(32).toString('base64url');
    const back = await browser.get(
      authorizeWith({
        login_ticket,
        response_type: 'code',
        scope: 'openid offline_access',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }),
    );
    const query = new URL(back.location ?? '').searchParams;
    assert.equal(query.get('state'), 'app-state');
    const tokens = await server.call('POST', '/oauth/token', {
      form: {
        grant_type: 'authorization_code',
        client_id: clientId,
        code: query.get('code') ?? '',
        code_verifier: verifier,
        redirect_uri: CALLBACK,
      },
    });
    assert.equal(tokens.status, 200, tokens.text);
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, {
      audience: clientId,
      currentDate: new Date(server.clock.now()),
    });
    assert.equal(payload.phone_number, phone);
    assert.equal(payload.nonce, 'app-nonce');
  });

  it('refuses a wrong code, an unknown client, a bad body, and pages from origins not registered', async () => {
    const browser = new HttpBrowser(server.url);
    const { phone, code } = await codeFor();
    const wrong = await authenticate(browser, coBody(phone, code === '000000' ? '111111' : '000000'));
    assert.equal(wrong.status, 403);
    assert.deepEqual(wrong.body, { error: 'invalid_grant', error_description: WRONG_CODE });
    assert.ok(!wrong.setCookies.some((line) => line.startsWith('otpline_co=')));

    const unknown = await authenticate(browser, coBody(phone, code, { client_id: 'no-such-client' }));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'access_denied');

    // An origin no application registered: 403, and no CORS header, so its page cannot even read that.
    const evil = await authenticate(browser, coBody(phone, code), 'https://evil.example');
    assert.equal(evil.status, 403);
    assert.deepEqual(evil.body, {
      error: 'access_denied',
      error_description: 'Origin https://evil.example is not allowed',
    });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const preflight = await browser.request('OPTIONS', '/co/authenticate', {
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const goodPreflight = await browser.request('OPTIONS', '/co/authenticate', {
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(goodPreflight.status, 204);
    assert.equal(goodPreflight.headers.get('access-control-allow-origin'), APP);

    // Registered, but for another application: still refused for this one.
    await createClient(server, {
      name: 'Other',
      app_type: 'spa',
      allowed_origins: ['https://other.example'],
    });
    const otherApp = await authenticate(browser, coBody(phone, code), 'https://other.example');
    assert.equal(otherApp.status, 403);
    assert.equal(otherApp.body.error_description, 'Origin https://other.example is not allowed');
    const noOrigin = await authenticate(browser, coBody(phone, code), null);
    assert.equal(noOrigin.status, 403);

    const malformed: Array<[Record<string, unknown>, number, string]> = [
      [{ client_id: clientId, credential_type: OTP, otp: code, realm: 'sms' }, 400, 'invalid_request'],
      [coBody(phone, code, { extra: 1 }), 400, 'invalid_request'],
      [coBody(phone, code, { otp: 123456 }), 400, 'invalid_request'],
      [coBody(phone, code, { username: 'x'.repeat(65) }), 400, 'invalid_request'],
      [coBody(phone, code, { realm: undefined }), 400, 'invalid_request'],
      [coBody(phone, code, { realm: 'no-such-connection' }), 400, 'invalid_request'],
      [
        coBody(phone, code, { credential_type: 'http://auth0.com/oauth/grant-type/password-realm' }),
        403,
        'unsupported_grant_type',
      ],
    ];
    for (const [body, status, error] of malformed) {
      const answer = await authenticate(browser, body);
      assert.equal(answer.status, status, `${JSON.stringify(body)}: ${answer.text}`);
      assert.equal(answer.body.error, error);
      assert.equal(typeof answer.body.error_description, 'string');
    }
    const notJson = await browser.request('POST', '/co/authenticate', {
      headers: { origin: APP, 'content-type': 'application/json' },
      json: undefined,
    });
    assert.equal(notJson.status, 400);

    // None of that spent the code: it still logs in.
    const right = await authenticate(browser, coBody(phone, code));
    assert.equal(right.status, 200, right.text);
  });

  it('honours an application’s "Allow Cross-Origin Authentication" turned off', async () => {
    const client = await createClient(server, {
      name: 'No CO',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      callbacks: ['https://noco.example/'],
      allowed_origins: ['https://noco.example'],
      cross_origin_authentication: false,
    });
    const browser = new HttpBrowser(server.url);
    const refused = await authenticate(
      browser,
      {
        client_id: client.client_id,
        credential_type: OTP,
        username: '+14155550999',
        otp: '123456',
        realm: 'sms',
      },
      'https://noco.example',
    );
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, {
      error: 'unauthorized_client',
      error_description: 'Cross origin login not allowed.',
    });
  });

  it('/authorize applies the implicit flow’s rules', async () => {
    const browser = new HttpBrowser(server.url);
    const noNonce = await browser.get(authorizeWith({ nonce: '' }));
    assert.equal(fragmentOf(noNonce.location).get('error'), 'invalid_request');
    const inQuery = await browser.get(authorizeWith({ response_mode: 'query' }));
    assert.equal(fragmentOf(inQuery.location).get('error'), 'invalid_request');
    assert.equal(new URL(inQuery.location ?? '').searchParams.get('access_token'), null);
    const codeOnly = await createClient(server, {
      name: 'Code only',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      callbacks: [CALLBACK],
      grant_types: ['authorization_code'],
    });
    const notAllowed = await browser.get(authorizeWith({ client_id: codeOnly.client_id }));
    assert.equal(fragmentOf(notAllowed.location).get('error'), 'unauthorized_client');
  });

  it('/passwordless/verify then verify_redirect log in on a page served by otpline', async () => {
    const browser = new HttpBrowser(server.url);
    const own = new URL(server.url).origin;
    const { phone, code } = await codeFor();
    const verify = (verification_code: string) =>
      browser.postJson(
        '/passwordless/verify',
        { client_id: clientId, connection: 'sms', phone_number: phone, verification_code },
        { origin: own },
      );
    const wrong = await verify(code === '000000' ? '111111' : '000000');
    assert.equal(wrong.status, 403);
    assert.deepEqual(wrong.body, { error: 'invalid_grant', error_description: WRONG_CODE });
    const verified = await verify(code);
    assert.equal(verified.status, 200, verified.text);
    assert.deepEqual(verified.body, {});

    const redirect = (extra: Record<string, string> = {}) =>
      `/passwordless/verify_redirect?${new URLSearchParams({
        client_id: clientId,
        response_type: 'token id_token',
        redirect_uri: CALLBACK,
        scope: 'openid',
        state: 'hosted-state',
        nonce: 'hosted-nonce',
        connection: 'sms',
        phone_number: phone,
        verification_code: code,
        ...extra,
      })}`;
    // The code was spent at /verify: the cookie it set is what lets it through here.
    const onward = await browser.get(redirect());
    assert.equal(onward.status, 302, onward.text);
    const next = new URL(onward.location ?? '', server.url);
    assert.equal(next.pathname, '/authorize');
    assert.ok(next.searchParams.get('login_ticket'));
    assert.equal(next.searchParams.get('verification_code'), null, 'the code does not travel further');
    assert.equal(next.searchParams.get('phone_number'), null);
    const back = await browser.get(`${next.pathname}${next.search}`);
    assert.ok(browser.cookies.has('otpline_session'), 'the browser that verified is logged in at otpline');
    const answer = fragmentOf(back.location);
    assert.equal(answer.get('state'), 'hosted-state');
    const { payload } = await jwtVerify(answer.get('id_token') ?? '', jwks, {
      audience: clientId,
      currentDate: new Date(server.clock.now()),
    });
    assert.equal(payload.phone_number, phone);
    assert.equal(payload.nonce, 'hosted-nonce');

    // Without /verify first, verify_redirect checks the code itself; a wrong one goes back as an error.
    const fresh = await codeFor();
    const stranger = new HttpBrowser(server.url);
    const bad = await stranger.get(
      redirect({
        phone_number: fresh.phone,
        verification_code: fresh.code === '000000' ? '111111' : '000000',
      }),
    );
    assert.equal(fragmentOf(bad.location).get('error'), 'invalid_grant');
    assert.equal(fragmentOf(bad.location).get('error_description'), WRONG_CODE);
    const good = await stranger.get(redirect({ phone_number: fresh.phone, verification_code: fresh.code }));
    const final = await stranger.get(good.location ?? '');
    assert.ok(fragmentOf(final.location).get('access_token'), `${good.location} → ${final.location}`);
    // A link alone (someone else's phone and code) answers the app but plants no otpline session.
    assert.ok(!stranger.cookies.has('otpline_session'));

    // Nothing goes to a URL the application did not register.
    const elsewhere = await stranger.get(redirect({ redirect_uri: 'https://evil.example/' }));
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.location, null);
    // A page on an origin not registered may not check codes here.
    const foreign = await browser.postJson(
      '/passwordless/verify',
      { client_id: clientId, connection: 'sms', phone_number: phone, verification_code: code },
      { origin: 'https://evil.example' },
    );
    assert.equal(foreign.status, 403);
  });

  it('/client/<id>.js gives Lock the public settings and sms connections, nothing secret', async () => {
    const confidential = await createClient(server, {
      name: 'Web',
      app_type: 'regular_web',
      callbacks: ['https://web.example/callback'],
    });
    await createConnection(server, {
      name: 'sms-web',
      strategy: 'sms',
      display_name: 'Text message',
      ...walkthroughConnection(`${sink.url}/sms`, [confidential.client_id], { name: 'sms-web' }),
    });
    const script = await server.call('GET', `/client/${confidential.client_id}.js?t${Date.now()}`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^application\/javascript/);
    const match = /^Auth0\.setClient\((.*)\);\n$/s.exec(script.text);
    assert.ok(match?.[1], script.text);
    const settings = JSON.parse(match[1]);
    assert.equal(settings.id, confidential.client_id);
    assert.equal(settings.subscription, 'self_hosted', 'not free: Lock would show an Auth0 badge');
    assert.equal(settings.authorize, `${server.config.issuer}authorize`);
    assert.deepEqual(settings.strategies, [
      { name: 'sms', connections: [{ name: 'sms-web', display_name: 'Text message' }] },
    ]);
    assert.ok(!script.text.includes(confidential.client_secret), 'no client secret');
    assert.ok(!script.text.includes('gateway'), 'no connection options');

    const unknown = await server.call('GET', '/client/no-such-client.js');
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/javascript/);
    assert.ok(!unknown.text.includes('setClient'));
    const notJs = await server.call('GET', `/client/${confidential.client_id}`);
    assert.equal(notJs.status, 404);
  });

  it('/user/geoloc/country answers from the browser’s language, else the configured country', async () => {
    const ask = async (language?: string) =>
      (
        await server.call(
          'GET',
          '/user/geoloc/country',
          language ? { headers: { 'accept-language': language } } : {},
        )
      ).body;
    assert.deepEqual(await ask('en-GB,en;q=0.9'), { country_code: 'GB' });
    assert.deepEqual(await ask('pt-br'), { country_code: 'BR' });
    assert.deepEqual(await ask('fr'), { country_code: 'NZ' });
    assert.deepEqual(await ask(), { country_code: 'NZ' });
  });
});
