import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth0Protocol } from '../lib/auth0-protocol.js';
import { freePort, type ServerProcess, spawnServer, waitReady } from '../lib/child.js';
import { root } from '../lib/compile.js';
import { LoadClient } from '../lib/http.js';
import type { Target } from '../lib/target.js';

/** The defenses against SMS pumping count volume per range, country and IP: off, as for any load test. */
const BENCH_CONFIG = {
  abuse: {
    perPrefixPerMinute: 0,
    perPrefixPerHour: 0,
    perCountryPerMinute: 0,
    perCountryPerHour: 0,
    budgetPerHour: 0,
    budgetPerDay: 0,
    phonesPerIp: 0,
    conversion: { enabled: false },
  },
  limits: { sendsPerPhone: 1000, startsPerIpWithoutSecret: 1_000_000 },
};

async function call(origin: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const answer = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`POST ${path}: ${answer.status} ${text}`);
  return JSON.parse(text);
}

/** A confidential client and an sms connection whose gateway_url is the sink, made through the Management API. */
export async function setUp(origin: string, admin: { id: string; secret: string }, gatewayUrl: string) {
  const { access_token: token } = (await call(origin, '/oauth/token', {
    grant_type: 'client_credentials',
    client_id: admin.id,
    client_secret: admin.secret,
    audience: `${origin}/api/v2/`,
  })) as { access_token: string };
  const client = (await call(
    origin,
    '/api/v2/clients',
    {
      name: 'Bench backend',
      app_type: 'regular_web',
      grant_types: ['http://auth0.com/oauth/grant-type/passwordless/otp'],
    },
    token,
  )) as { client_id: string; client_secret: string };
  await call(
    origin,
    '/api/v2/connections',
    {
      name: 'sms',
      strategy: 'sms',
      options: {
        disable_signup: false,
        provider: 'sms_gateway',
        gateway_url: gatewayUrl,
        from: '+11111111111',
        syntax: 'md_with_macros',
        template: 'Your one time password is > @@password@@',
        totp: { time_step: 300, length: 6 },
        brute_force_protection: true,
      },
      enabled_clients: [client.client_id],
    },
    token,
  );
  return { client_id: client.client_id, client_secret: client.client_secret };
}

/** Rebuilds dist/ if a source file changed since the last build. */
function buildOtpline(): void {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('otpline: build failed');
}

/** A running otpline from dist/ (rebuilt first if a source changed), on a fresh SQLite data directory. */
export interface RunningOtpline {
  server: ServerProcess;
  origin: string;
  admin: { id: string; secret: string };
  stop(): Promise<void>;
}

/** Starts otpline with the bench's config, its own admin client, and `env` on top (the provider, say). */
export async function startOtpline(env: Record<string, string> = {}): Promise<RunningOtpline> {
  buildOtpline();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-otpline-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(BENCH_CONFIG));
  const admin = { id: 'bench-admin', secret: randomBytes(24).toString('hex') };
  const origin = `http://127.0.0.1:${port}`;
  const server = spawnServer(
    ['dist/cli/main.js', 'start'],
    {
      OTPLINE_CONFIG: configFile,
      OTPLINE_DATA_DIR: join(dir, 'data'),
      OTPLINE_PORT: String(port),
      OTPLINE_ISSUER: `${origin}/`,
      OTPLINE_ADMIN_CLIENT_ID: admin.id,
      OTPLINE_ADMIN_CLIENT_SECRET: admin.secret,
      OTPLINE_LOG_LEVEL: 'warn',
      OTPLINE_LOG_FORMAT: 'json',
      ...env,
    },
    root,
  );
  await waitReady(`${origin}/healthz`, server);
  return {
    server,
    origin,
    admin,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** otpline itself, its connection's gateway_url the sink. */
export const otpline: Target = {
  name: 'otpline',
  notes: [
    'default durability (SQLite WAL, every answer after the WAL is fdatasynced); connection gateway_url = the sink, called during /passwordless/start',
    'abuse volume rules off and per-phone/IP limits raised (config file), as the whole load comes from one IP',
  ],
  async launch(sink, vus) {
    const running = await startOtpline();
    const client = await setUp(running.origin, running.admin, sink.url);
    const http = new LoadClient(running.origin, vus);
    return {
      server: running.server,
      protocol: auth0Protocol(http, client, 'sms'),
      async close() {
        await http.close();
        await running.stop();
      },
    };
  },
};
