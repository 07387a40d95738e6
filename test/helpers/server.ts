import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Driver } from '../../src/providers/driver.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { dropTestDatabase, testDatabaseUrl } from './postgres.js';

export const ADMIN = { client_id: 'test-admin-client', client_secret: 'test-admin-secret-0123456789abcdef' };
export const GATEWAY_SECRET = 'test-gateway-secret-0123456789abcdef';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestServer extends RunningServer {
  clock: ManualClock;
  config: Config;
  dataDir: string;
  /** Calls the server with JSON (or a raw string body) and returns status, headers and parsed body. */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

export interface CallOptions {
  json?: unknown;
  form?: Record<string, string>;
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  text: string;
}

export interface TestServerOptions extends StartOptions {
  dataDir?: string;
  /** Provider drivers instead of the ones otpline ships (a test's own driver added). */
  drivers?: readonly Driver[];
  /** Environment variables the config loader reads (none by default). */
  env?: Record<string, string>;
}

/**
 * Starts the real server on a real SQLite file in a fresh temp directory, listening on
 * loopback, with a clock the test can move. `config` overrides any setting.
 */
export async function startTestServer(
  config: Record<string, unknown> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const { drivers, env, ...startOptions } = options;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'otpline-test-'));
  const port = await freePort();
  const https = Boolean((config as { tls?: unknown }).tls);
  const databaseUrl = await testDatabaseUrl(dataDir);
  const loaded = loadConfig({
    env: env ?? {},
    drivers,
    overrides: {
      port,
      dataDir,
      issuer: `${https ? 'https' : 'http'}://localhost:${port}/`,
      admin: { clientId: ADMIN.client_id, clientSecret: ADMIN.client_secret },
      gateway: { secret: GATEWAY_SECRET },
      outbox: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 100 },
      ...(databaseUrl ? { database: { url: databaseUrl } } : {}),
      ...config,
    },
  });
  const clock = new ManualClock(Date.now());
  const logger = options.logger ?? createLogger(process.env.OTPLINE_TEST_LOG ?? 'silent');
  // A driver list of the test's own: the server makes its providers from it, as from the registry.
  // The first start's setup link (no dashboard operator configured) is not printed in test output.
  const quiet = { write: () => true };
  const running = await startServer(loaded, { clock, logger, setupLinkOut: quiet, ...startOptions, drivers });
  const base = `${https ? 'https' : 'http'}://localhost:${port}`;

  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.raw !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = opts.raw;
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  let token: string | undefined;
  const adminToken = async () => {
    if (token) return token;
    const result = await call('POST', '/oauth/token', {
      json: { grant_type: 'client_credentials', ...ADMIN, audience: `${loaded.issuer}api/v2/` },
    });
    if (result.status !== 200) throw new Error(`admin token: ${result.status} ${result.text}`);
    token = result.body.access_token as string;
    return token;
  };

  return {
    ...running,
    url: base,
    clock,
    config: loaded,
    dataDir,
    call,
    adminToken,
    async stop() {
      await running.close();
      if (!options.dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        await dropTestDatabase(dataDir);
      }
    },
  };
}

/** A bearer token for the server's own gateway, as Auth0 (or an Action) signs one: HS256, issued now. */
export async function gatewayToken(server: Pick<TestServer, 'clock' | 'config'>): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(`${server.config.issuer}gateway/sms`)
    .setIssuedAt(Math.floor(server.clock.now() / 1000))
    .sign(new TextEncoder().encode(GATEWAY_SECRET));
}
