import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, Response } from 'playwright-core';
import { WRONG_CODE } from '../../src/errors.js';
import { openBrowser, type TestBrowser, withJournal } from '../helpers/browser.js';
import { type EmbeddedApp, startEmbeddedApp } from '../helpers/embedded-app.js';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');

// A real browser and the official auth0.js and Lock, unmodified, in an application's own pages on
// another site than otpline: the SMS code typed there logs the user in through /co/authenticate
// and /authorize?login_ticket=…, as it would against Auth0 with only the domain changed.
describe('embedded login from the application’s own page (auth0.js and Lock in Chromium)', () => {
  let browser: TestBrowser;
  let server: TestServer;
  let sink: SmsSink;
  let app: EmbeddedApp;
  let stranger: EmbeddedApp;
  let clientId: string;

  before(async () => {
    browser = await openBrowser();
    server = await startTestServer({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
    });
    sink = await SmsSink.start();
    const domain = `localhost:${server.config.port}`;
    app = await startEmbeddedApp(domain);
    // The same pages on origins no application registered.
    stranger = await startEmbeddedApp(domain);
    const origins = [app.origin, app.crossSiteOrigin];
    const client = await createClient(server, {
      name: 'Embedded',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      callbacks: origins.flatMap((origin) => [`${origin}/`, `${origin}/lock`]),
      web_origins: origins,
      allowed_origins: origins,
      grant_types: ['implicit', 'authorization_code', 'http://auth0.com/oauth/grant-type/passwordless/otp'],
    });
    clientId = client.client_id;
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [clientId], { name: 'sms' }),
    });
    app.configure({ clientId });
    stranger.configure({ clientId });
  });
  after(async () => {
    // Each may be missing when an earlier step of before() failed (no Chromium, say).
    await browser?.close();
    await app?.close();
    await stranger?.close();
    await server?.stop();
    await sink?.close();
  });

  /** Waits for the app's page at `url` (after a redirect, say) to settle; returns #user and #error. */
  const appState = async (page: Page, url: string) => {
    await page.waitForURL((at) => `${at.origin}${at.pathname}` === url);
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
    return {
      user: (await page.textContent('#user'))?.trim(),
      error: (await page.textContent('#error'))?.trim(),
    };
  };

  /** The code in the SMS that arrives after `already` messages, and the number it was sent to. */
  const nextSms = async (already: number) => {
    await sink.waitFor(already + 1);
    const message = sink.received[already];
    assert.ok(message);
    return { to: message.body.recipient, code: codeIn(message.body.body) };
  };

  const fromOtpline = (page: Page, path: string): Promise<Response> =>
    page.waitForResponse(
      (r) => r.url().startsWith(`${server.url}${path}`) && r.request().method() !== 'OPTIONS',
    );

  // On the same site as otpline (app.example and login.example, as Auth0 advises with a custom
  // domain), so the browser keeps the co_verifier cookie and otpline's session: checkSession works.
  it('auth0.js: passwordlessStart, passwordlessLogin, parseHash, checkSession', async () => {
    const phone = '+14155550170';
    const page = await browser.newPage();
    await withJournal(page, async () => {
      const home = `${app.origin}/`;
      await page.goto(home);
      assert.equal((await appState(page, home)).user, 'logged out');

      const sent = sink.received.length;
      await page.fill('#phone', phone);
      await page.click('#send');
      const sms = await nextSms(sent);
      assert.equal(sms.to, phone);
      await page.locator('#status', { hasText: 'code sent' }).waitFor();

      // A wrong code: auth0.js reports otpline's error, and the page stays where it is.
      await page.fill('#code', sms.code === '000000' ? '111111' : '000000');
      const refused = fromOtpline(page, '/co/authenticate');
      await page.click('#verify');
      assert.equal((await refused).status(), 403);
      await page.locator('#error', { hasText: WRONG_CODE }).waitFor();
      assert.equal(new URL(page.url()).origin, app.origin);

      // The right code: a login ticket, then /authorize with it, then back here with tokens.
      await page.fill('#code', sms.code);
      const authenticated = fromOtpline(page, '/co/authenticate');
      const authorizing = page.waitForRequest((r) => r.url().startsWith(`${server.url}/authorize?`));
      await page.click('#verify');
      assert.equal((await authenticated).status(), 200);
      const query = new URL((await authorizing).url()).searchParams;
      assert.ok(query.get('login_ticket'));
      assert.equal(query.get('realm'), 'sms');
      assert.equal(query.get('response_type'), 'token id_token');
      assert.equal(query.get('redirect_uri'), home);
      assert.ok(query.get('nonce'));
      const back = await appState(page, home);
      assert.equal(back.error, '');
      assert.equal(back.user, phone, 'parseHash validated the id_token (signature, nonce, at_hash)');
      assert.ok(await page.evaluate(() => (window as { accessToken?: string }).accessToken));

      // checkSession: a hidden iframe to /authorize (prompt=none, web_message) with otpline's session.
      await page.click('#check');
      await page.locator('#session', { hasText: phone }).waitFor();
      assert.equal(((await page.textContent('#error')) ?? '').trim(), '');
    });
    await page.context().close();
  });

  // On another site: Chromium blocks the third-party co_verifier cookie, and the login still works
  // (without an otpline session, see src/web/authorize.ts redeemTicket).
  it('Lock: the passwordless SMS widget logs in by typing in it, from another site', async () => {
    const phone = '+14155550171';
    const page = await browser.newPage();
    await withJournal(page, async () => {
      const settings = fromOtpline(page, `/client/${clientId}.js`);
      const country = fromOtpline(page, '/user/geoloc/country');
      const lockUrl = `${app.crossSiteOrigin}/lock`;
      await page.goto(lockUrl);
      assert.equal((await settings).status(), 200, 'Lock read the client settings from otpline');
      assert.deepEqual(await (await country).json(), { country_code: 'US' });
      assert.equal((await appState(page, lockUrl)).user, 'logged out');
      await page.locator('input[name="phoneNumber"]').waitFor();
      assert.equal(await page.locator('.auth0-lock-badge').count(), 0, 'no "Protected with Auth0" badge');

      // US from the browser's language, so the national number is enough.
      const sent = sink.received.length;
      await page.fill('input[name="phoneNumber"]', '4155550171');
      await page.click('button.auth0-lock-submit');
      const sms = await nextSms(sent);
      assert.equal(sms.to, phone);

      const authenticated = fromOtpline(page, '/co/authenticate');
      await page.fill('input[name="vcode"]', sms.code);
      await page.click('button.auth0-lock-submit');
      assert.equal((await authenticated).status(), 200);
      const back = await appState(page, lockUrl);
      assert.equal(back.error, '');
      assert.equal(back.user, phone);
    });
    await page.context().close();
  });

  it('refuses a page on an origin the application did not register', async () => {
    const page = await browser.newPage();
    const home = `${stranger.crossSiteOrigin}/`;
    await withJournal(page, async () => {
      await page.goto(home);
      await appState(page, home);
      const sent = sink.received.length;
      await page.fill('#phone', '+14155550172');
      await page.click('#send');
      await page.locator('#error').filter({ hasText: /\S/ }).waitFor();
      await page.evaluate(() => {
        const error = document.getElementById('error');
        if (error) error.textContent = '';
      });
      await page.fill('#code', '123456');
      await page.click('#verify');
      await page.locator('#error').filter({ hasText: /\S/ }).waitFor();
      assert.equal((await page.textContent('#user'))?.trim(), 'logged out');
      assert.equal(sink.received.length, sent, 'no SMS for a page otpline does not know');
      assert.equal(page.url(), home, 'no redirect to /authorize');
    });
    await page.context().close();

    // What the browser was told (its preflights are not shown to the page, nor to playwright):
    // nothing that lets it read an answer, and /co/authenticate refuses even a right code.
    const phone = '+14155550173';
    const already = sink.received.length;
    await server.call('POST', '/passwordless/start', {
      json: { client_id: clientId, connection: 'sms', phone_number: phone, send: 'code' },
    });
    const { code } = await nextSms(already);
    const preflight = await fetch(`${server.url}/co/authenticate`, {
      method: 'OPTIONS',
      headers: {
        origin: stranger.crossSiteOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const refused = await server.call('POST', '/co/authenticate', {
      headers: { origin: stranger.crossSiteOrigin },
      json: {
        client_id: clientId,
        credential_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        username: phone,
        otp: code,
        realm: 'sms',
      },
    });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, {
      error: 'access_denied',
      error_description: `Origin ${stranger.crossSiteOrigin} is not allowed`,
    });
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});
