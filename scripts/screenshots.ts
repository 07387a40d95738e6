// Screenshots of the hosted login page for the docs: `npx tsx scripts/screenshots.ts`.
// Starts otpline as the tests do (a temp directory, SMS to a local sink), opens /authorize for an
// application in Debian's Chromium at a desktop and a phone size, and writes into docs/images/:
//   login-desktop.png, login-phone.png            page 1, the phone number
//   login-code-desktop.png, login-code-phone.png  page 2, the code
//   admin-dashboard.png                           the dashboard's overview, after some logins
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, type PageOptions, withJournal } from '../test/helpers/browser.js';
import { createClient, createConnection, walkthroughConnection } from '../test/helpers/flow.js';
import { ADMIN, startTestServer } from '../test/helpers/server.js';
import { codeIn, SmsSink } from '../test/helpers/sms-sink.js';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'docs', 'images');
// Only for the redirect the page would make at the end, which no screenshot follows.
const CALLBACK = 'https://app.example.com/callback';

const sizes: Array<{ name: string; options: PageOptions }> = [
  { name: 'desktop', options: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true } },
];

/** A public application's /authorize URL, with PKCE as an SPA sends it. */
function authorizeUrl(base: string, clientId: string): string {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    scope: 'openid profile',
    state: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return `${base}/authorize?${query}`;
}

async function shoot(page: Page, file: string): Promise<void> {
  // Text laid out in its final font, not a fallback that is swapped a moment later.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(out, file) });
  console.log(`wrote ${relative(root, join(out, file))}`);
}

// Plain HTTP is enough here: Chromium keeps Secure cookies for http://localhost.
const server = await startTestServer();
const sink = await SmsSink.start();
const browser = await openBrowser();
try {
  mkdirSync(out, { recursive: true });
  const client = await createClient(server, {
    name: 'Example App',
    app_type: 'spa',
    token_endpoint_auth_method: 'none',
    callbacks: [CALLBACK],
    grant_types: ['authorization_code'],
  });
  await createConnection(server, {
    name: 'sms',
    strategy: 'sms',
    ...walkthroughConnection(`${sink.url}/sms`, [client.client_id], { name: 'sms' }),
  });
  for (const { name, options } of sizes) {
    const page = await browser.newPage(options);
    await withJournal(page, async () => {
      const response = await page.goto(authorizeUrl(server.url, client.client_id));
      if (!response?.ok()) throw new Error(`GET /authorize answered ${response?.status()}: no login page`);
      await page.getByLabel('Phone number', { exact: true }).fill('+14155550123');
      await shoot(page, `login-${name}.png`);
      await page.click('#send');
      await page.waitForSelector('#code');
      await shoot(page, `login-code-${name}.png`);
    });
    await page.context().close();
  }
} finally {
  await browser.close();
  await sink.close();
  await server.stop();
}

/** The dashboard, signed in as an operator, after a few logins of an application's users. */
async function dashboardShot(): Promise<void> {
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--admin', '--if-stale'], {
    stdio: 'inherit',
  });
  const operator = '+14155550101';
  const sink = await SmsSink.start();
  const server = await startTestServer({
    provider: { name: 'webhook', webhook: { url: `${sink.url}/provider` } },
    admin: { clientId: ADMIN.client_id, clientSecret: ADMIN.client_secret, operators: [operator] },
  });
  const browser = await openBrowser();
  try {
    const client = await createClient(server, { name: 'Example App', app_type: 'native' });
    await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${server.config.issuer}gateway/sms`, [client.client_id], { name: 'sms' }),
    });
    // Some traffic: most codes used, a few not, to several countries.
    const phones = [
      '+14155550111',
      '+14155550112',
      '+447700900123',
      '+33612345678',
      '+4915112345678',
      '+14155550113',
    ];
    for (const [i, phone] of phones.entries()) {
      const before = sink.received.length;
      await server.call('POST', '/passwordless/start', {
        json: { client_id: client.client_id, connection: 'sms', phone_number: phone, send: 'code' },
      });
      await sink.waitFor(before + 1);
      if (i % 3 === 2) continue;
      await server.call('POST', '/oauth/token', {
        json: {
          grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
          client_id: client.client_id,
          realm: 'sms',
          username: phone,
          otp: codeIn(sink.received[before]?.body.body),
        },
      });
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await withJournal(page, async () => {
      await page.goto(`${server.url}/admin/`);
      await page.getByRole('button', { name: 'Sign in by SMS' }).click();
      await page.waitForURL((url) => url.pathname === '/authorize');
      const before = sink.received.length;
      await page.getByLabel('Phone number', { exact: true }).fill(operator);
      await page.click('#send');
      await sink.waitFor(before + 1);
      await page.fill('#code', codeIn(sink.received[before]?.body.body));
      await page.click('#verify');
      await page.getByRole('heading', { level: 2, name: 'Codes sent and logins' }).waitFor();
      await shoot(page, 'admin-dashboard.png');
    });
  } finally {
    await browser.close();
    await server.stop();
    await sink.close();
  }
}

await dashboardShot();
