// Screenshots of the hosted login page for the docs: `npx tsx scripts/screenshots.ts`.
// Starts otpline as the tests do (a temp directory, SMS to a local sink), opens /authorize for an
// application in Debian's Chromium at a desktop and a phone size, and writes into docs/images/:
//   login-desktop.png, login-phone.png            page 1, the phone number
//   login-code-desktop.png, login-code-phone.png  page 2, the code
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, type PageOptions, withJournal } from '../test/helpers/browser.js';
import { createClient, createConnection, walkthroughConnection } from '../test/helpers/flow.js';
import { startTestServer } from '../test/helpers/server.js';
import { SmsSink } from '../test/helpers/sms-sink.js';

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
