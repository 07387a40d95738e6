import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { helpText } from '../../src/cli/help.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { configTable } from '../../src/config/table.js';
import { drivers as shipped } from '../../src/providers/registry.js';
import { toyDriver } from '../fixtures/toy-provider/index.js';
import { FakeHttpApi, type HttpApiModel } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { GATEWAY_SECRET, startTestServer, type TestServer } from '../helpers/server.js';

// The one line that adds a provider (in src/providers/registry.ts it is one line of the list).
const drivers = [...shipped, toyDriver];

const API_KEY = 'toy-api-key-0123456789';

/** The Toy SMS API: POST /v1/texts `{destination, text, sender}`, 201 `{ref}`, errors `{error}`. */
const toyApi: HttpApiModel = {
  takesIdempotencyKey: true,
  read(request) {
    const sent = JSON.parse(request.raw) as { destination: string; text: string };
    return { to: sent.destination, body: sent.text, idempotencyKey: String(request.headers['x-dedupe-key']) };
  },
  reply(answer, n) {
    if (answer === 'accept')
      return { status: 201, body: JSON.stringify({ ref: `toy-${n}` }), id: `toy-${n}` };
    const status = { throttle: 429, server_error: 502, refuse: 422 }[answer];
    return { status, body: JSON.stringify({ error: 'unroutable' }) };
  },
};

providerContract({
  driver: toyDriver,
  fake: () => FakeHttpApi.start(toyApi),
  settings: (api) => ({ baseUrl: api.url, apiKey: API_KEY, timeoutMs: 400 }),
  timeoutMs: 400,
});

describe('a third provider, added by one folder and one registry line', () => {
  const env = {
    OTPLINE_PROVIDER: 'toy',
    OTPLINE_TOY_BASE_URL: 'http://127.0.0.1:9',
    OTPLINE_TOY_API_KEY: API_KEY,
  };

  it('is configured from its own environment variables', () => {
    const config = loadConfig({ env: { ...env, OTPLINE_TOY_TIMEOUT_MS: '1500' }, drivers });
    assert.equal(config.provider.name, 'toy');
    assert.deepEqual(config.provider.toy, {
      baseUrl: 'http://127.0.0.1:9',
      apiKey: API_KEY,
      timeoutMs: 1500,
    });
    assert.equal((loadConfig({ env, drivers }).provider.toy as { timeoutMs: number }).timeoutMs, 5000);
  });

  it('names a missing setting by its path and its environment variable', () => {
    assert.throws(
      () => loadConfig({ env: { ...env, OTPLINE_TOY_API_KEY: undefined }, drivers }),
      (err) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(
          err.message,
          'provider.toy.apiKey (OTPLINE_TOY_API_KEY) is required when the provider is "toy"',
        );
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ env, drivers: shipped }),
      {
        message: `provider.name (OTPLINE_PROVIDER) must be one of ${shipped.map((d) => d.name).join(', ')}; got "toy"`,
      },
      'the shipped registry does not know it',
    );
  });

  it('is listed by `otpline help`, its key marked secret', () => {
    const help = helpText(drivers);
    assert.match(help, /^ {2}toy {9}Toy SMS - Sends each message through the Toy SMS API/m);
    assert.match(help, /^ +OTPLINE_TOY_BASE_URL {4}Base URL of the Toy SMS API \(required\)$/m);
    assert.match(
      help,
      /^ +OTPLINE_TOY_API_KEY {5}Toy SMS API key \(Authorization: Bearer\) \(required, secret\)$/m,
    );
    assert.match(
      help,
      /^ +OTPLINE_TOY_TIMEOUT_MS {2}Per-request timeout of the Toy SMS API \(default 5000\)$/m,
    );
    assert.match(help, /docs: https:\/\/toy-sms\.example\/docs\/api/);
    assert.doesNotMatch(helpText(), /toy/i);
  });

  it('has its rows in the configuration table', () => {
    const table = configTable(drivers);
    const names = drivers.map((d) => `"${d.name}"`).join(' \\| ');
    assert.ok(
      table.includes(`| \`provider.name\` | \`OTPLINE_PROVIDER\` | ${names} |`),
      'every driver, toy last',
    );
    assert.match(table, /, toy hands them to the Toy SMS API \|$/m);
    assert.match(
      table,
      /^\| `provider\.toy\.baseUrl` \| `OTPLINE_TOY_BASE_URL` \| string \| {2}\| Base URL/m,
    );
    assert.match(table, /^\| `provider\.toy\.apiKey` \| `OTPLINE_TOY_API_KEY` \| string \| {2}\|/m);
    assert.match(
      table,
      /^\| `provider\.toy\.timeoutMs` \| `OTPLINE_TOY_TIMEOUT_MS` \| integer \| `5000` \|/m,
    );
  });

  describe('in a running otpline', () => {
    let api: FakeHttpApi;
    let server: TestServer;
    before(async () => {
      api = await FakeHttpApi.start(toyApi);
      server = await startTestServer({}, { drivers, env: { ...env, OTPLINE_TOY_BASE_URL: api.url } });
    });
    after(async () => {
      await server.stop();
      await api.close();
    });

    it('delivers a message the gateway accepted', async () => {
      const now = Math.floor(server.clock.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setAudience(`${server.config.issuer}gateway/sms`)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new TextEncoder().encode(GATEWAY_SECRET));
      const accepted = await server.call('POST', '/gateway/sms', {
        json: { recipient: '+14155552671', body: 'Your code is 424242', sender: 'otpline' },
        token,
      });
      assert.equal(accepted.status, 200, accepted.text);
      await api.waitFor(1);
      assert.equal(api.requests[0]?.path, '/v1/texts');
      assert.equal(api.requests[0]?.headers.authorization, `Bearer ${API_KEY}`);
      assert.deepEqual(JSON.parse(api.requests[0]?.raw ?? ''), {
        destination: '+14155552671',
        text: 'Your code is 424242',
        sender: 'otpline',
      });
      assert.equal(api.received[0]?.idempotencyKey, accepted.body.id);

      let shown = { status: '', provider: '', provider_message_id: '' };
      for (let tries = 0; shown.status !== 'sent' && tries < 200; tries++) {
        const result = await server.call('GET', `/api/v2/sms-messages/${accepted.body.id}`, {
          token: await server.adminToken(),
        });
        shown = result.body;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(shown.status, 'sent');
      assert.equal(shown.provider, 'toy');
      assert.equal(shown.provider_message_id, 'toy-1');
    });
  });
});
