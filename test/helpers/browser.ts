import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); OTPLINE_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.OTPLINE_CHROMIUM ?? '/usr/bin/chromium';

export interface PageOptions {
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  /** Sets navigator.userAgent's mobile flag and touch, for phone-sized screenshots. */
  isMobile?: boolean;
  /** The browser's language (Accept-Language and navigator.language); en-US by default. */
  locale?: string;
}

export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh browser context: its own cookies and storage, like a new profile. */
  newPage(options?: PageOptions): Promise<Page>;
  close(): Promise<void>;
}

/** What one page did, in order: its requests with their status, console lines and script errors. */
const journals = new WeakMap<Page, string[]>();

/** The journal of a page from newPage(), to print when a browser test fails. */
export function journal(page: Page): string {
  return (journals.get(page) ?? []).join('\n');
}

/** Runs a test step and, when it throws, appends the page's journal to the error message. */
export async function withJournal<T>(page: Page, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof Error) {
      const extra = `\n--- what the browser did (now at ${page.url()}):\n${journal(page)}`;
      err.message += extra;
      // The test runner prints the stack, which holds the message as it was when thrown.
      if (err.stack) err.stack += extra;
    }
    throw err;
  }
}

function record(page: Page): void {
  const lines: string[] = [];
  journals.set(page, lines);
  const push = (line: string) => {
    // Enough for a failure report, bounded for a long test.
    if (lines.length < 400) lines.push(line);
  };
  page.on('response', (response) => {
    const request = response.request();
    const location = response.headers().location;
    push(
      `${request.method()} ${request.url()} -> ${response.status()}${location ? ` (location: ${location})` : ''}`,
    );
  });
  page.on('requestfailed', (request) => {
    push(`${request.method()} ${request.url()} FAILED ${request.failure()?.errorText ?? ''}`);
  });
  page.on('console', (message) => push(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => push(`page error: ${error.message}`));
}

/**
 * Starts a headless Chromium. A missing browser is a failure, not a skip: CI installs it, and
 * a test that silently did nothing would pass for the wrong reason.
 */
export async function openBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the browser tests need it. Install Debian's package with ` +
        '`apt-get install -y chromium` (.ci/run does this), or set OTPLINE_CHROMIUM to a Chromium binary.',
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // Containers run as root, where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-background-networking',
      // /dev/shm is tiny in containers; Chromium crashes when it fills.
      '--disable-dev-shm-usage',
      // Besides ignoreHTTPSErrors below: also covers the Web Worker auth0-spa-js fetches tokens from.
      '--ignore-certificate-errors',
    ],
  });
  return {
    browser,
    async newPage(options: PageOptions = {}) {
      const context = await browser.newContext({
        // The test CA is trusted by Node (NODE_EXTRA_CA_CERTS), not by Chromium's certificate store.
        ignoreHTTPSErrors: true,
        locale: options.locale ?? 'en-US',
        viewport: options.viewport ?? { width: 1280, height: 800 },
        ...(options.deviceScaleFactor ? { deviceScaleFactor: options.deviceScaleFactor } : {}),
        ...(options.isMobile ? { isMobile: true, hasTouch: true } : {}),
      });
      const page = await context.newPage();
      // Fail a step within seconds rather than playwright's 30 s: every server here is on loopback.
      page.setDefaultTimeout(10_000);
      record(page);
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}
