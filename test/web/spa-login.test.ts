import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { openBrowser, type TestBrowser, withJournal } from '../helpers/browser.js';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';
import { type SpaApp, startSpaApp } from '../helpers/spa-app.js';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');

// A real browser, the official auth0-spa-js unmodified, otpline's hosted login page: the whole
// authorization code + PKCE flow, silent login from the session cookie, and logout.
describe('hosted login from a single-page app (auth0-spa-js in Chromium)', () => {
  let browser: TestBrowser;
  let server: TestServer;
  let sink: SmsSink;
  let app: SpaApp;
  let clientId: string;

  before(async () => {
    browser = await openBrowser();
    server = await startTestServer({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
    });
    sink = await SmsSink.start();
    app = await startSpaApp(`localhost:${server.config.port}`);
    // The app answers on two origins: localhost (same site as otpline) and 127.0.0.1 (another site).
    const origins = [app.origin, app.crossSiteOrigin];
    const client = await createClient(server, {
      name: 'SPA',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      callbacks: origins.map((origin) => `${origin}/`),
      web_origins: origins,
      allowed_origins: origins,
      allowed_logout_urls: origins.map((origin) => `${origin}/`),
      grant_types: [
        'authorization_code',
        'refresh_token',
        'http://auth0.com/oauth/grant-type/passwordless/otp',
      ],
    });
    clientId = client.client_id;
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [clientId], { name: 'sms' }),
    });
    app.configure({ clientId });
  });
  after(async () => {
    // Each may be missing when an earlier step of before() failed (no Chromium, say).
    await browser?.close();
    await app?.close();
    await server?.stop();
    await sink?.close();
  });

  /** Opens the app (or waits for it after a redirect) until its script settled; returns #user and #error. */
  const appState = async (page: Page, origin: string) => {
    await page.waitForURL((url) => url.origin === origin);
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
    return {
      user: (await page.textContent('#user'))?.trim(),
      error: (await page.textContent('#error'))?.trim(),
    };
  };

  /** Waits for the next browser request to otpline's /authorize (the page, or the silent iframe). */
  const nextAuthorize = (page: Page): Promise<Request> =>
    page.waitForRequest((request) => request.url().startsWith(`${server.url}/authorize?`));

  /** Resolves when otpline's /v2/logout sent the browser back and the app's page is loading again. */
  const backFromLogout = async (page: Page) => {
    const logout = await page.waitForResponse((r) => r.url().startsWith(`${server.url}/v2/logout?`));
    assert.equal(logout.status(), 302);
    const to = logout.headers().location ?? '';
    await page.waitForResponse((r) => r.url() === to && r.request().isNavigationRequest());
  };

  /** The code in the SMS that arrives after `already` messages, and the number it was sent to. */
  const nextSms = async (already: number) => {
    await sink.waitFor(already + 1);
    const message = sink.received[already];
    assert.ok(message);
    return { to: message.body.recipient, code: codeIn(message.body.body) };
  };

  it('logs in with a code by SMS, stays logged in across a reload, logs out', async () => {
    const phone = '+14155550123';
    const page = await browser.newPage();
    await withJournal(page, async () => {
      await page.goto(`${app.origin}/`);
      // No otpline session yet: the silent login comes back with login_required, not a timeout.
      const first = await appState(page, app.origin);
      assert.equal(first.user, 'logged out');
      assert.match(first.error ?? '', /^login_required/);

      // #login: auth0-spa-js sends the browser to /authorize with PKCE.
      const authorizing = nextAuthorize(page);
      await page.click('#login');
      const query = new URL((await authorizing).url()).searchParams;
      assert.equal(query.get('client_id'), clientId);
      assert.equal(query.get('response_type'), 'code');
      assert.equal(query.get('redirect_uri'), `${app.origin}/`);
      assert.equal(query.get('code_challenge_method'), 'S256');
      assert.match(query.get('code_challenge') ?? '', /^[\w-]{43}$/);
      assert.ok(query.get('state'));
      assert.ok(query.get('nonce'));
      assert.equal(query.get('connection'), 'sms');
      assert.equal(query.get('scope'), 'openid profile offline_access');
      assert.equal(query.get('prompt'), null);

      // Page 1: the phone number, found by its label as a screen reader would.
      await page.waitForURL((url) => url.origin === server.url);
      const sent = sink.received.length;
      await page.getByLabel('Phone number', { exact: true }).fill(phone);
      await page.click('#send');
      const sms = await nextSms(sent);
      assert.equal(sms.to, phone);

      // Page 2: a wrong code first. The page says so in an alert and keeps the code field.
      await page.waitForSelector('#code[autocomplete="one-time-code"]');
      await page.fill('#code', sms.code === '000000' ? '111111' : '000000');
      await page.click('#verify');
      const alert = page.locator('#error[role="alert"]').filter({ hasText: /\S/ });
      await alert.waitFor();
      assert.equal(new URL(page.url()).origin, server.url, 'a wrong code stays on the login page');

      // The right code: back to the app, with the code exchanged for tokens.
      await page.fill('#code', sms.code);
      await page.click('#verify');
      const loggedIn = await appState(page, app.origin);
      assert.equal(loggedIn.error, '');
      assert.equal(loggedIn.user, phone);
      assert.equal(page.url(), `${app.origin}/`, 'the app removed code and state from its URL');

      // A reload empties the app's memory: only otpline's session cookie can log it in again,
      // through the hidden iframe (prompt=none, response_mode=web_message).
      const silent = nextAuthorize(page);
      await page.reload();
      const silentQuery = new URL((await silent).url()).searchParams;
      assert.equal(silentQuery.get('prompt'), 'none');
      assert.equal(silentQuery.get('response_mode'), 'web_message');
      const reloaded = await appState(page, app.origin);
      assert.equal(reloaded.error, '');
      assert.equal(reloaded.user, phone);

      // The refresh token from that silent login: a new access token without the iframe. (The
      // SDK posts the refresh grant from a Web Worker, whose requests playwright does not see.)
      const accessToken = () => page.evaluate(() => (window as { accessToken?: string }).accessToken);
      const previous = await accessToken();
      assert.ok(previous, 'an access token after the silent login');
      server.clock.advance(2_000); // a token issued at another second, so it differs
      let iframes = 0;
      page.on('request', (request) => {
        if (request.url().startsWith(`${server.url}/authorize?`)) iframes++;
      });
      await page.click('#refresh');
      await page.locator('#token', { hasText: 'refreshed 1' }).waitFor();
      assert.equal(((await page.textContent('#error')) ?? '').trim(), '');
      assert.notEqual(await accessToken(), previous, 'a new access token');
      assert.equal(iframes, 0, 'the refresh token was used, not the iframe');

      // Logout ends the otpline session: back at the app, the silent login finds none.
      const back = backFromLogout(page);
      await page.click('#logout');
      await back;
      const loggedOut = await appState(page, app.origin);
      assert.equal(loggedOut.user, 'logged out');
      assert.match(loggedOut.error ?? '', /^login_required/);
    });
    await page.context().close();
  });

  it('works with the keyboard alone (Tab and Enter)', async () => {
    const phone = '+14155550124';
    const page = await browser.newPage();
    /** Presses Tab until the element with this id has the focus (at most 10 times). */
    const tabTo = async (id: string) => {
      for (let presses = 0; presses <= 10; presses++) {
        if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`#${id} never got the focus with Tab`);
    };
    await withJournal(page, async () => {
      await page.goto(`${app.origin}/`);
      await appState(page, app.origin);
      await tabTo('login');
      await page.keyboard.press('Enter');

      await page.waitForURL((url) => url.origin === server.url);
      await page.waitForSelector('#phone');
      const sent = sink.received.length;
      await tabTo('phone');
      await page.keyboard.type(phone);
      await page.keyboard.press('Enter');
      const sms = await nextSms(sent);
      assert.equal(sms.to, phone);

      await page.waitForSelector('#code');
      await tabTo('code');
      await page.keyboard.type(sms.code);
      await page.keyboard.press('Enter');
      const loggedIn = await appState(page, app.origin);
      assert.equal(loggedIn.user, phone);

      await tabTo('logout');
      const back = backFromLogout(page);
      await page.keyboard.press('Enter');
      await back;
      assert.equal((await appState(page, app.origin)).user, 'logged out');
    });
    await page.context().close();
  });

  it('speaks the browser’s language: a Spanish browser gets the page in Spanish, and a Spanish error', async () => {
    const page = await browser.newPage({ locale: 'es-ES' });
    await withJournal(page, async () => {
      await page.goto(`${app.origin}/`);
      await appState(page, app.origin);
      await page.click('#login');
      await page.waitForURL((url) => url.origin === server.url);
      assert.equal(await page.getAttribute('html', 'lang'), 'es');
      assert.equal(((await page.textContent('h1')) ?? '').trim(), 'Inicia sesión en SPA');
      // The country picker starts at the browser's region.
      assert.equal(await page.inputValue('#country'), 'ES');
      await page.getByLabel('Número de teléfono', { exact: true }).fill('12');
      await page.click('#send');
      await page.locator('#error[role="alert"]', { hasText: 'no parece un número de teléfono' }).waitFor();
    });
    await page.context().close();
  });

  // An app on another site than its login server (app.example vs login.example) does not get the
  // session cookie (SameSite=Lax) in its iframe, and browsers block third-party cookies anyway:
  // there, as Auth0 advises, rotating refresh tokens kept in local storage carry the login.
  it('stays logged in on another site with refresh tokens (CORS for the registered origin)', async () => {
    const phone = '+14155550125';
    app.configure({ clientId, cacheLocation: 'localstorage' });
    const page = await browser.newPage();
    try {
      await withJournal(page, async () => {
        await page.goto(`${app.crossSiteOrigin}/`);
        assert.equal((await appState(page, app.crossSiteOrigin)).user, 'logged out');
        await page.click('#login');
        await page.waitForURL((url) => url.origin === server.url);
        const sent = sink.received.length;
        await page.getByLabel('Phone number', { exact: true }).fill(phone);
        await page.click('#send');
        const { code } = await nextSms(sent);
        await page.fill('#code', code);
        await page.click('#verify');
        assert.equal((await appState(page, app.crossSiteOrigin)).user, phone);

        await page.reload();
        assert.equal((await appState(page, app.crossSiteOrigin)).user, phone);
        // The refresh token grant from the other site: CORS lets the SDK read the answer.
        await page.click('#refresh');
        await page.locator('#token', { hasText: 'refreshed 1' }).waitFor();
        assert.equal(((await page.textContent('#error')) ?? '').trim(), '');
        await page.click('#refresh');
        await page.locator('#token', { hasText: 'refreshed 2' }).waitFor();
        assert.equal(((await page.textContent('#error')) ?? '').trim(), '', 'the rotated token works');
      });
    } finally {
      app.configure({ clientId });
      await page.context().close();
    }
  });
});
