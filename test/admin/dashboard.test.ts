import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser, type TestBrowser, withJournal } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');
const OPERATOR = '+14155550101';
const CUSTOMER = '+14155550177';

// The dashboard in Chromium: an operator signs in by SMS through otpline's own hosted login, creates
// an application and the walk-through's connection, and watches a login code go out live.
describe('the admin dashboard (Chromium)', () => {
  let browser: TestBrowser;
  let server: TestServer;
  let sink: SmsSink;

  before(async () => {
    browser = await openBrowser();
    sink = await SmsSink.start();
    server = await startTestServer({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
      // The operators' codes go through otpline's provider: here a webhook into the sink.
      provider: { name: 'webhook', webhook: { url: `${sink.url}/provider` } },
      admin: {
        clientId: 'test-admin-client',
        clientSecret: 'test-admin-secret-0123456789abcdef',
        operators: [OPERATOR],
      },
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.close();
  });

  const nav = async (page: Page, name: string) => {
    await page.getByRole('navigation').getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };

  it('signs in, creates an application and a connection, and follows a message live', async () => {
    const page = await browser.newPage();
    await withJournal(page, async () => {
      const csp: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
      });
      const response = await page.goto(`${server.url}/admin/`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.getByRole('button', { name: 'Sign in by SMS' }).click();

      // otpline's hosted login, for the operators' connection.
      await page.waitForURL((url) => url.pathname === '/authorize');
      const sent = sink.received.length;
      await page.getByLabel('Phone number', { exact: true }).fill(OPERATOR);
      await page.click('#send');
      await sink.waitFor(sent + 1);
      const sms = sink.received[sent];
      assert.equal(sms?.path, '/provider', 'the code went out through the configured provider');
      await page.fill('#code', codeIn(sms?.body.body));
      await page.click('#verify');

      // Back on the dashboard, signed in.
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      assert.equal(new URL(page.url()).search, '', 'code and state are gone from the URL');
      await page.getByText(OPERATOR).waitFor();
      const codesSent = page.getByTestId('codes-sent');
      await codesSent.filter({ hasText: /^\d+$/ }).waitFor();
      const before = Number(await codesSent.textContent());

      // An application.
      await nav(page, 'Applications');
      await page.getByLabel('Name').fill('Shop');
      await page.getByLabel('Type').selectOption('spa');
      await page.getByRole('button', { name: 'Create application' }).click();
      await page.getByRole('list', { name: 'Applications' }).getByText('Shop', { exact: true }).waitFor();

      // The walk-through's connection, with its live preview.
      await nav(page, 'Connections');
      await page.getByRole('button', { name: 'New connection' }).click();
      assert.equal(await page.getByLabel('Name').inputValue(), 'sms-custom-wt');
      await page
        .getByTestId('preview-text')
        .filter({ hasText: 'Your one time password is > 123456' })
        .waitFor();
      assert.equal(await page.getByTestId('preview-info').textContent(), 'GSM-7 · 34 characters · 1 segment');
      await page
        .getByLabel('Message template')
        .fill(`${'Your one time password is > @@password@@ '}${'x'.repeat(140)}`);
      await page.getByTestId('preview-info').filter({ hasText: '2 segments' }).waitFor();
      await page.getByLabel('Message template').fill('Your one time password is > @@password@@');
      await page.getByLabel('A custom SMS gateway (gateway_url)').check();
      await page.getByLabel('Gateway URL').fill(`${sink.url}/gateway`);
      await page.getByRole('group', { name: 'Applications' }).getByLabel('Shop').check();
      await page.getByRole('button', { name: 'Create connection' }).click();
      await page
        .getByRole('list', { name: 'Connections' })
        .locator('strong', { hasText: 'sms-custom-wt' })
        .waitFor();

      // A login code for a customer shows up in the live log.
      await nav(page, 'Messages');
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      const token = await server.adminToken();
      const clients = await server.call('GET', '/api/v2/clients', { token });
      const shop = clients.body.find((c: { name: string }) => c.name === 'Shop');
      const start = await server.call('POST', '/passwordless/start', {
        json: {
          client_id: shop.client_id,
          connection: 'sms-custom-wt',
          phone_number: CUSTOMER,
          send: 'code',
        },
      });
      assert.equal(start.status, 200, start.text);
      const row = page.locator(`tr[data-recipient="${CUSTOMER}"]`);
      await row.filter({ hasText: 'sent' }).waitFor();
      assert.match((await row.textContent()) ?? '', /Your one time password is > \*+/, 'the code is masked');

      // The overview counts it.
      await nav(page, 'Overview');
      await codesSent.filter({ hasText: String(before + 1) }).waitFor({ timeout: 15_000 });
      assert.deepEqual(csp, [], 'nothing was blocked by the Content Security Policy');
    });
  });

  it('texts no code to a phone that is not an operator, and lets no guess in', async () => {
    const page = await browser.newPage();
    await withJournal(page, async () => {
      await page.goto(`${server.url}/admin/`);
      await page.getByRole('button', { name: 'Sign in by SMS' }).click();
      await page.waitForURL((url) => url.pathname === '/authorize');
      const sent = sink.received.length;
      await page.getByLabel('Phone number', { exact: true }).fill('+14155550188');
      await page.click('#send');
      // The same next step as for an operator: the page does not tell who is one.
      await page.waitForSelector('#code');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(sink.received.length, sent, 'no SMS for a non-operator');
      await page.fill('#code', '123456');
      await page.click('#verify');
      await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/authorize/code', 'still at the login page');
    });
  });

  it('works at phone width', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(`${server.url}/admin/`);
    await page.getByRole('button', { name: 'Sign in by SMS' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false);
  });
});
