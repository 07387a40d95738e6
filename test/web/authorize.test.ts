import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import { csrfOf, HttpBrowser, pkce } from '../helpers/http-browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const APP = 'https://app.example';
const CALLBACK = `${APP}/callback`;

function authorizePath(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v);
  return `/authorize?${query}`;
}

describe('hosted login over HTTP: /authorize, the code and refresh grants, logout, CORS', () => {
  let server: TestServer;
  let sink: SmsSink;
  let publicClient: string;
  let confidential: { client_id: string; client_secret: string };

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer();
    publicClient = (
      await createClient(server, {
        name: 'Web Shop',
        app_type: 'spa',
        token_endpoint_auth_method: 'none',
        callbacks: [CALLBACK],
        web_origins: [APP],
        allowed_origins: ['https://*.shop.example'],
        allowed_logout_urls: [`${APP}/bye`],
      })
    ).client_id;
    confidential = await createClient(server, {
      name: 'Server App',
      app_type: 'regular_web',
      callbacks: ['https://server.example/cb'],
    });
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [publicClient, confidential.client_id], {
        syntax: 'liquid',
        template:
          '{% if request_language == "es" %}Tu código es {{ code }}{% else %}Your code is {{ code }}{% endif %}',
      }),
    });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  /** Phone, then code, at the page: returns the redirect back to the application. */
  async function logIn(browser: HttpBrowser, path: string, phone: string) {
    const page = await browser.get(path);
    assert.equal(page.status, 200, page.text);
    const sent = sink.received.length;
    const codePage = await browser.postForm('/authorize/phone', {
      csrf: csrfOf(page.text),
      phone_number: phone,
    });
    assert.equal(codePage.status, 200, codePage.text);
    await sink.waitFor(sent + 1);
    const sms = sink.received[sent];
    assert.ok(sms);
    const back = await browser.postForm('/authorize/code', {
      csrf: csrfOf(codePage.text),
      code: codeIn(sms.body.body),
    });
    assert.equal(back.status, 302, back.text);
    assert.ok(back.location);
    return { back: new URL(back.location), sms, setCookies: back.setCookies };
  }

  const token = (form: Record<string, string>) => server.call('POST', '/oauth/token', { form });

  it('logs in by SMS and exchanges the code (PKCE) for tokens that verify against JWKS', async () => {
    const browser = new HttpBrowser(server.url);
    const { verifier, challenge } = pkce();
    const path = authorizePath({
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      scope: 'openid profile offline_access',
      state: 'st-1',
      nonce: 'n-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const page = await browser.get(path);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.text, /type="tel"/);
    const loginCookie = page.setCookies.find((c) => c.startsWith('otpline_login='));
    assert.match(loginCookie ?? '', /HttpOnly; Secure; SameSite=Lax/);

    const { back, sms, setCookies } = await logIn(browser, path, '+14155550142');
    assert.doesNotMatch(String(sms.body.body), /#\d+$/, 'no WebOTP line unless configured');
    assert.equal(back.origin + back.pathname, CALLBACK);
    assert.equal(back.searchParams.get('state'), 'st-1');
    const code = back.searchParams.get('code');
    assert.ok(code);
    const session = setCookies.find((c) => c.startsWith('otpline_session='));
    assert.match(session ?? '', /HttpOnly; Secure; SameSite=Lax/);

    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code,
      redirect_uri: CALLBACK,
      code_verifier: pkce().verifier,
    });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    // The failed try used the code up: a leaked code is worth one guess. Log in again for a fresh one.
    const again = await browser.get(path);
    const fresh = new URL(again.location ?? '');
    assert.equal(again.status, 302, 'the session cookie makes the second /authorize silent');
    const freshCode = fresh.searchParams.get('code') ?? '';
    const tokens = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code: freshCode,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.ok(tokens.body.refresh_token, 'offline_access gives a refresh token');
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, {
      issuer: server.config.issuer,
      audience: publicClient,
    });
    assert.equal(payload.nonce, 'n-1');
    assert.equal(payload.phone_number, '+14155550142');
    assert.equal(typeof payload.auth_time, 'number');
    const me = await server.call('GET', '/userinfo', { token: tokens.body.access_token });
    assert.equal(me.body.phone_number, '+14155550142');

    // Used twice: refused, and what the first use gave is revoked.
    const replay = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code: freshCode,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    assert.equal(replay.body.error, 'invalid_grant');
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: publicClient,
      refresh_token: tokens.body.refresh_token,
    });
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  it('rotates refresh tokens, and a reused one revokes its whole family', async () => {
    const browser = new HttpBrowser(server.url);
    const { verifier, challenge } = pkce();
    const path = authorizePath({
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      scope: 'openid offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const { back } = await logIn(browser, path, '+14155550143');
    const first = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code: back.searchParams.get('code') ?? '',
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    assert.equal(first.status, 200, first.text);
    const rotate = (refresh_token: string) =>
      token({ grant_type: 'refresh_token', client_id: publicClient, refresh_token });
    const second = await rotate(first.body.refresh_token);
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);
    assert.ok(second.body.id_token);
    const third = await rotate(second.body.refresh_token);
    assert.equal(third.status, 200);

    const stolen = await rotate(first.body.refresh_token);
    assert.equal(stolen.body.error, 'invalid_grant');
    const afterTheft = await rotate(third.body.refresh_token);
    assert.equal(afterTheft.body.error, 'invalid_grant', 'the newest token of the family is revoked too');

    const otherClient = await token({
      grant_type: 'refresh_token',
      ...confidential,
      refresh_token: 'not-a-token',
    });
    assert.equal(otherClient.body.error, 'invalid_grant');
  });

  it('refuses what could send a code elsewhere: unregistered redirect_uri, missing PKCE, plain PKCE, expired code', async () => {
    const browser = new HttpBrowser(server.url);
    const base = { response_type: 'code', client_id: publicClient, state: 's' };
    for (const redirect_uri of [`${APP}/callback/`, `${APP}/callback?x=1`, 'https://evil.example/callback']) {
      const page = await browser.get(
        authorizePath({
          ...base,
          redirect_uri,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        }),
      );
      assert.equal(page.status, 400, redirect_uri);
      assert.equal(page.location, null, 'no redirect to an unregistered URL');
      assert.match(page.text, /Callback URL mismatch/);
    }
    const unknown = await browser.get(authorizePath({ ...base, client_id: 'nope', redirect_uri: CALLBACK }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.location, null);

    const noPkce = await browser.get(authorizePath({ ...base, redirect_uri: CALLBACK }));
    assert.equal(noPkce.status, 302);
    const noPkceBack = new URL(noPkce.location ?? '');
    assert.equal(noPkceBack.searchParams.get('error'), 'invalid_request');
    assert.equal(noPkceBack.searchParams.get('state'), 's');
    const plain = await browser.get(
      authorizePath({
        ...base,
        redirect_uri: CALLBACK,
        code_challenge: pkce().verifier,
        code_challenge_method: 'plain',
      }),
    );
    assert.equal(new URL(plain.location ?? '').searchParams.get('error'), 'invalid_request');
    const audience = await browser.get(
      authorizePath({
        ...base,
        redirect_uri: CALLBACK,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        audience: 'https://api.example/',
      }),
    );
    assert.equal(new URL(audience.location ?? '').searchParams.get('error'), 'access_denied');
    // Hybrid flows are not served (the implicit flow is: test/web/cross-origin.test.ts).
    const hybrid = await browser.get(
      authorizePath({ ...base, response_type: 'code id_token', redirect_uri: CALLBACK }),
    );
    assert.equal(new URL(hybrid.location ?? '').searchParams.get('error'), 'unsupported_response_type');

    const { verifier, challenge } = pkce();
    const { back } = await logIn(
      browser,
      authorizePath({
        ...base,
        redirect_uri: CALLBACK,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      '+14155550144',
    );
    server.clock.advance(121_000);
    const late = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code: back.searchParams.get('code') ?? '',
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    assert.equal(late.body.error, 'invalid_grant', 'codes live two minutes');
  });

  it('a confidential client redeems a code without PKCE only with its secret, and only at its redirect_uri', async () => {
    const browser = new HttpBrowser(server.url);
    const path = authorizePath({
      response_type: 'code',
      client_id: confidential.client_id,
      redirect_uri: 'https://server.example/cb',
      scope: 'openid',
    });
    const redeem = async (extra: Record<string, string>) => {
      const { back } = await logIn(new HttpBrowser(server.url), path, '+14155550145');
      return token({ grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', ...extra });
    };
    void browser;
    const noSecret = await redeem({
      client_id: confidential.client_id,
      redirect_uri: 'https://server.example/cb',
    });
    assert.equal(noSecret.status, 401);
    const otherUri = await redeem({ ...confidential, redirect_uri: 'https://server.example/other' });
    assert.equal(otherUri.body.error, 'invalid_grant');
    const stolenByOther = await redeem({
      client_id: publicClient,
      redirect_uri: 'https://server.example/cb',
    });
    assert.equal(stolenByOther.body.error, 'invalid_grant');
    const ok = await redeem({ ...confidential, redirect_uri: 'https://server.example/cb' });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.body.id_token);
    assert.equal(ok.body.refresh_token, undefined, 'no offline_access, no refresh token');
  });

  it('prompt=none answers login_required without a session; forms need the CSRF token and a live login', async () => {
    const browser = new HttpBrowser(server.url);
    const params = {
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      state: 'quiet',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    };
    const silent = await browser.get(authorizePath({ ...params, prompt: 'none' }));
    const back = new URL(silent.location ?? '');
    assert.equal(back.searchParams.get('error'), 'login_required');
    assert.equal(back.searchParams.get('state'), 'quiet');
    const web = await browser.get(authorizePath({ ...params, prompt: 'none', response_mode: 'web_message' }));
    assert.equal(web.status, 200);
    assert.match(web.text, /"error":"login_required"/);
    assert.match(web.text, /postMessage\(/);
    assert.match(web.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors ${APP}`));

    const page = await browser.get(authorizePath(params));
    const sent = sink.received.length;
    const forged = await browser.postForm('/authorize/phone', {
      csrf: 'x'.repeat(43),
      phone_number: '+14155550146',
    });
    assert.equal(forged.status, 400);
    const noCookie = await new HttpBrowser(server.url).postForm('/authorize/phone', {
      csrf: csrfOf(page.text),
      phone_number: '+14155550146',
    });
    assert.equal(noCookie.status, 400);
    server.clock.advance(16 * 60_000);
    const stale = await browser.postForm('/authorize/phone', {
      csrf: csrfOf(page.text),
      phone_number: '+14155550146',
    });
    assert.equal(stale.status, 400, 'a login at the page lasts 15 minutes');
    assert.equal(sink.received.length, sent, 'no SMS for a forged, cookieless or stale form');
  });

  it('speaks the language of ui_locales or Accept-Language, on the page and in the SMS', async () => {
    const params = {
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    };
    const browser = new HttpBrowser(server.url);
    const spanish = await browser.get(authorizePath({ ...params, ui_locales: 'es' }));
    assert.match(spanish.text, /<html lang="es"/);
    const { sms } = await logIn(browser, authorizePath({ ...params, ui_locales: 'es' }), '+14155550147');
    assert.match(String(sms.body.body), /^Tu código es \d{6}$/);
    const french = await new HttpBrowser(server.url).get(authorizePath(params), {
      'accept-language': 'fr-FR,fr;q=0.9',
    });
    assert.match(french.text, /<html lang="fr"/);
  });

  it('logs out: only to allowed_logout_urls, and the session is gone', async () => {
    const browser = new HttpBrowser(server.url);
    const params = {
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    };
    await logIn(browser, authorizePath(params), '+14155550148');
    const notAllowed = await browser.get(
      `/v2/logout?client_id=${publicClient}&returnTo=${encodeURIComponent('https://evil.example/')}`,
    );
    assert.equal(notAllowed.status, 400);
    assert.equal(notAllowed.location, null);
    assert.equal((await browser.get(authorizePath({ ...params, prompt: 'none' }))).status, 302);
    assert.ok(
      new URL(
        (await browser.get(authorizePath({ ...params, prompt: 'none' }))).location ?? '',
      ).searchParams.get('code'),
    );

    const out = await browser.get(
      `/v2/logout?client_id=${publicClient}&returnTo=${encodeURIComponent(`${APP}/bye`)}`,
    );
    assert.equal(out.status, 302);
    assert.equal(out.location, `${APP}/bye`);
    const after = await browser.get(authorizePath({ ...params, prompt: 'none' }));
    assert.equal(new URL(after.location ?? '').searchParams.get('error'), 'login_required');
  });

  it('OIDC logout takes the id_token as the hint of who logs out', async () => {
    const browser = new HttpBrowser(server.url);
    const { verifier, challenge } = pkce();
    const params = {
      response_type: 'code',
      client_id: publicClient,
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const { back } = await logIn(browser, authorizePath(params), '+14155550149');
    const tokens = await token({
      grant_type: 'authorization_code',
      client_id: publicClient,
      code: back.searchParams.get('code') ?? '',
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    const out = await browser.get(
      `/oidc/logout?id_token_hint=${tokens.body.id_token}&post_logout_redirect_uri=${encodeURIComponent(`${APP}/bye`)}&state=z`,
    );
    assert.equal(out.status, 302);
    assert.equal(out.location, `${APP}/bye?state=z`);
    const forged = await browser.get(
      `/oidc/logout?id_token_hint=${tokens.body.id_token.slice(0, -4)}AAAA&post_logout_redirect_uri=${encodeURIComponent(`${APP}/bye`)}`,
    );
    assert.equal(forged.status, 400, 'a tampered hint names no application');
  });

  it('answers CORS for registered origins only, preflights included', async () => {
    const preflight = (origin: string, path = '/oauth/token') =>
      fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const ok = await preflight(APP);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    const wildcard = await preflight('https://eu.shop.example');
    assert.equal(wildcard.headers.get('access-control-allow-origin'), 'https://eu.shop.example');
    for (const origin of ['https://evil.example', 'https://a.b.shop.example', 'http://eu.shop.example']) {
      const refused = await preflight(origin);
      assert.equal(refused.status, 403, origin);
      assert.equal(refused.headers.get('access-control-allow-origin'), null, origin);
    }
    const management = await preflight(APP, '/api/v2/clients');
    assert.equal(
      management.headers.get('access-control-allow-origin'),
      null,
      'no CORS on the Management API',
    );

    const post = (origin: string) =>
      fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'refresh_token', client_id: publicClient, refresh_token: 'x' }),
      });
    assert.equal((await post(APP)).headers.get('access-control-allow-origin'), APP);
    assert.equal((await post('https://evil.example')).headers.get('access-control-allow-origin'), null);
  });

  it('the Management API refuses callbacks a browser would run, and origins with a path', async () => {
    const token = await server.adminToken();
    const create = (body: Record<string, unknown>) =>
      server.call('POST', '/api/v2/clients', { token, json: { name: 'Bad', app_type: 'spa', ...body } });
    for (const callbacks of [
      ['javascript:alert(1)'],
      ['JavaScript:alert(1)'],
      ['data:text/html,hi'],
      ['/relative'],
    ]) {
      const refused = await create({ callbacks });
      assert.equal(refused.status, 400, JSON.stringify(callbacks));
    }
    for (const web_origins of [['https://app.example/path'], ['app.example'], ['https://user@app.example']]) {
      const refused = await create({ web_origins });
      assert.equal(refused.status, 400, JSON.stringify(web_origins));
    }
    const fine = await create({
      callbacks: ['https://app.example/cb', 'com.example.app://callback', 'http://localhost:3000/'],
      web_origins: ['https://app.example', 'https://*.app.example', 'http://localhost:3000/'],
      allowed_logout_urls: ['https://app.example/?bye=1'],
    });
    assert.equal(fine.status, 201, fine.text);
  });

  it('discovery names the browser endpoints', async () => {
    const { body } = await server.call('GET', '/.well-known/openid-configuration');
    assert.equal(body.authorization_endpoint, `${server.config.issuer}authorize`);
    assert.equal(body.end_session_endpoint, `${server.config.issuer}oidc/logout`);
    assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
    assert.ok(body.grant_types_supported.includes('authorization_code'));
    assert.ok(body.grant_types_supported.includes('refresh_token'));
    assert.ok(body.scopes_supported.includes('offline_access'));
  });
});

describe('hosted login settings: SameSite=None for the session, the WebOTP line', () => {
  it('sets the session cookie SameSite=None and ends the SMS with "@host #code" when configured', async () => {
    const sink = await SmsSink.start();
    const server = await startTestServer({
      login: { sessionCookieSameSite: 'none', webOtpDomain: 'login.example' },
    });
    try {
      const { client_id } = await createClient(server, {
        app_type: 'spa',
        token_endpoint_auth_method: 'none',
        callbacks: [CALLBACK],
      });
      await createConnection(server, {
        name: 'sms',
        strategy: 'sms',
        ...walkthroughConnection(`${sink.url}/sms`, [client_id]),
      });
      const browser = new HttpBrowser(server.url);
      const page = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id,
          redirect_uri: CALLBACK,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        }),
      );
      const codePage = await browser.postForm('/authorize/phone', {
        csrf: csrfOf(page.text),
        phone_number: '+14155550150',
      });
      await sink.waitFor(1);
      const text = String(sink.received[0]?.body.body);
      const code = codeIn(text);
      assert.ok(text.endsWith(`\n\n@login.example #${code}`), text);
      const back = await browser.postForm('/authorize/code', { csrf: csrfOf(codePage.text), code });
      assert.equal(back.status, 302);
      const session = back.setCookies.find((c) => c.startsWith('otpline_session='));
      assert.match(session ?? '', /HttpOnly; Secure; SameSite=None/);
    } finally {
      await server.stop();
      await sink.close();
    }
  });
});
