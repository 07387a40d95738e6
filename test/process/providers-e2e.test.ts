// A full login and a gateway message through real provider drivers, each configured only by
// environment variables, against a fake of the provider's API that checks every request.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { FakeHttpApi, type HttpApiModel } from '../helpers/fake-http-api.js';
import { runOtpline, waitHealthy } from '../helpers/process.js';
import { freePort } from '../helpers/server.js';
import { codeIn } from '../helpers/sms-sink.js';
import { API_KEY as CLICKATELL_KEY, oneApi } from '../providers/fakes/clickatell-api.js';
import { API_ID, decoded, legacyApi, PASSWORD, USER } from '../providers/fakes/clickatell-legacy-api.js';
import { twilioApi } from '../providers/fakes/twilio-api.js';
import { vonageApi } from '../providers/fakes/vonage-api.js';

const ADMIN_ID = 'e2e-admin-client';
const ADMIN_SECRET = 'e2e-admin-secret-0123456789abcdef';
const GATEWAY_SECRET = 'e2e-gateway-secret-0123456789abcdef';
const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';

const TWILIO = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'twilio-auth-token-0123456789' };
const VONAGE = {
  apiKey: 'abcd1234',
  apiSecret: 'vonage-api-secret',
  signatureSecret: 'unused-signature',
  signatureMethod: 'md5hash',
};

export interface ProviderCase {
  name: string;
  api: () => HttpApiModel;
  env: (baseUrl: string) => Record<string, string>;
  /** The message text in a request the fake received. */
  textOf: (raw: string) => string;
}

export const cases: ProviderCase[] = [
  {
    name: 'twilio',
    api: () => twilioApi(TWILIO),
    env: (url) => ({
      OTPLINE_TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      OTPLINE_TWILIO_AUTH_TOKEN: TWILIO.authToken,
      OTPLINE_TWILIO_FROM: '+15005550006',
      OTPLINE_TWILIO_BASE_URL: url,
    }),
    textOf: (raw) => new URLSearchParams(raw).get('Body') ?? '',
  },
  {
    name: 'vonage',
    api: () => vonageApi(VONAGE),
    env: (url) => ({
      OTPLINE_VONAGE_API_KEY: VONAGE.apiKey,
      OTPLINE_VONAGE_API_SECRET: VONAGE.apiSecret,
      OTPLINE_VONAGE_FROM: 'otpline',
      OTPLINE_VONAGE_BASE_URL: url,
    }),
    textOf: (raw) => new URLSearchParams(raw).get('text') ?? '',
  },
  {
    name: 'clickatell',
    api: () => oneApi,
    env: (url) => ({ OTPLINE_CLICKATELL_API_KEY: CLICKATELL_KEY, OTPLINE_CLICKATELL_BASE_URL: url }),
    textOf: (raw) =>
      String((JSON.parse(raw) as { messages: Array<{ content: string }> }).messages[0]?.content),
  },
  {
    // The walk-through's provider: Clickatell's legacy http/sendmsg.
    name: 'clickatell-legacy',
    api: () => legacyApi,
    env: (url) => ({
      OTPLINE_CLICKATELL_LEGACY_USER: USER,
      OTPLINE_CLICKATELL_LEGACY_PASSWORD: PASSWORD,
      OTPLINE_CLICKATELL_LEGACY_API_ID: API_ID,
      OTPLINE_CLICKATELL_LEGACY_BASE_URL: url,
    }),
    textOf: (raw) => decoded(new URLSearchParams(raw)),
  },
];

export function endToEnd(cases: ProviderCase[]): void {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`logs in and delivers gateway messages through ${c.name}, configured by environment variables only`, {
      timeout: 60_000,
    }, async () => {
      const api = await FakeHttpApi.start(c.api());
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), `otpline-e2e-${c.name}-`));
      dirs.push(dir);
      const proc = runOtpline(['start'], {
        OTPLINE_PORT: String(port),
        OTPLINE_DATA_DIR: dir,
        OTPLINE_LOG_LEVEL: 'warn',
        OTPLINE_ADMIN_CLIENT_ID: ADMIN_ID,
        OTPLINE_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        OTPLINE_GATEWAY_SECRET: GATEWAY_SECRET,
        OTPLINE_PROVIDER: c.name,
        ...c.env(api.url),
      });
      const base = `http://localhost:${port}`;
      const issuer = `${base}/`;
      const post = async (path: string, body: unknown, token?: string) => {
        const response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      try {
        await waitHealthy(base, proc);
        const admin = await post('/oauth/token', {
          grant_type: 'client_credentials',
          client_id: ADMIN_ID,
          client_secret: ADMIN_SECRET,
          audience: `${issuer}api/v2/`,
        });
        const token = admin.body.access_token as string;
        const client = await post('/api/v2/clients', { name: 'App', app_type: 'native' }, token);
        const connection = await post(
          '/api/v2/connections',
          {
            name: 'sms',
            strategy: 'sms',
            options: {
              provider: 'sms_gateway',
              gateway_url: `${issuer}gateway/sms`,
              template: 'Your code: @@password@@',
            },
            enabled_clients: [client.body.client_id],
          },
          token,
        );
        assert.equal(connection.status, 201);

        const start = await post('/passwordless/start', {
          client_id: client.body.client_id,
          connection: 'sms',
          phone_number: '+14155552671',
        });
        assert.equal(start.status, 200, JSON.stringify(start.body));
        await api.waitFor(1, 20_000);
        assert.deepEqual(api.refusals, [], `${c.name} accepted every request`);
        const code = codeIn(c.textOf(api.requests.at(-1)?.raw ?? ''));
        const login = await post('/oauth/token', {
          grant_type: OTP,
          client_id: client.body.client_id,
          realm: 'sms',
          username: '+14155552671',
          otp: code,
          scope: 'openid',
        });
        assert.equal(login.status, 200, JSON.stringify(login.body));
        assert.ok(login.body.id_token);

        const now = Math.floor(Date.now() / 1000);
        const gatewayToken = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setAudience(`${issuer}gateway/sms`)
          .setIssuedAt(now)
          .sign(new TextEncoder().encode(GATEWAY_SECRET));
        const sent = await post(
          '/gateway/sms',
          { recipient: '+447700900123', body: 'Hello through the gateway' },
          gatewayToken,
        );
        assert.equal(sent.status, 200, JSON.stringify(sent.body));
        await api.waitFor(2, 20_000);
        assert.equal(c.textOf(api.requests.at(-1)?.raw ?? ''), 'Hello through the gateway');
        let shown: Record<string, unknown> = {};
        for (let i = 0; i < 100 && shown.status !== 'sent'; i++) {
          const response = await fetch(`${base}/api/v2/sms-messages/${sent.body.id}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          shown = (await response.json()) as Record<string, unknown>;
          if (shown.status !== 'sent') await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(shown.status, 'sent');
        assert.equal(shown.provider, c.name);
        assert.ok((shown.provider_message_id as string)?.length > 0, 'the provider id is kept');
      } finally {
        await proc.stop();
        await api.close();
      }
    });
  }
}

describe('real providers end to end', () => endToEnd(cases));
