import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { HttpBrowser } from '../helpers/http-browser.js';
import { captureLog } from '../helpers/log-sink.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SmsSink } from '../helpers/sms-sink.js';
import { csrfOf, DASHBOARD, dashboardLogin, pkce } from './login.js';

const OPERATOR = '+14155550101';
const STRANGER = '+14155550199';

describe('dashboard operators: who gets a Management API token', () => {
  let server: TestServer;
  let sink: SmsSink;

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({
      provider: { name: 'webhook', webhook: { url: sink.url } },
      admin: {
        clientId: 'test-admin-client',
        clientSecret: 'test-admin-secret-0123456789abcdef',
        operators: [OPERATOR],
      },
    });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('makes the dashboard application and the operators connection at start, and guards them', async () => {
    const token = await server.adminToken();
    const client = await server.call('GET', `/api/v2/clients/${DASHBOARD}`, { token });
    assert.equal(client.status, 200);
    assert.equal(client.body.app_type, 'spa');
    assert.equal(client.body.token_endpoint_auth_method, 'none');
    assert.deepEqual(client.body.callbacks, [`${server.config.issuer}admin/`]);
    assert.equal(client.body.client_secret, undefined);
    const connections = await server.call('GET', '/api/v2/connections?name=otpline-operators', { token });
    const connection = connections.body[0];
    assert.deepEqual(connection.enabled_clients, [DASHBOARD]);
    assert.equal(connection.options.gateway_url, undefined);

    for (const [method, path, json] of [
      ['PATCH', `/api/v2/clients/${DASHBOARD}`, { callbacks: ['https://evil.example/'] }],
      ['DELETE', `/api/v2/clients/${DASHBOARD}`, undefined],
      ['POST', `/api/v2/clients/${DASHBOARD}/rotate-secret`, undefined],
      ['DELETE', `/api/v2/connections/${connection.id}`, undefined],
      [
        'PATCH',
        `/api/v2/connections/${connection.id}`,
        { options: { provider: 'sms_gateway', gateway_url: 'https://evil.example/sms' } },
      ],
      [
        'PATCH',
        `/api/v2/connections/${connection.id}`,
        { enabled_clients: [DASHBOARD, 'test-admin-client'] },
      ],
    ] as const) {
      const result = await server.call(method, path, { token, json });
      assert.equal(result.status, 400, `${method} ${path}: ${result.text}`);
    }
    const other = await server.call('POST', '/api/v2/connections', {
      token,
      json: { name: 'other', strategy: 'sms', enabled_clients: [DASHBOARD] },
    });
    assert.equal(other.status, 400, 'the dashboard signs in with its own connection only');
    // Its template is the operator's to change.
    const patched = await server.call('PATCH', `/api/v2/connections/${connection.id}`, {
      token,
      json: { options: { ...connection.options, template: 'Admin code: @@password@@' } },
    });
    assert.equal(patched.status, 200, patched.text);
  });

  it('gives an operator a one-hour token with every management scope, and refreshes it', async () => {
    const login = await dashboardLogin(server, sink, OPERATOR);
    assert.equal(login.tokenStatus, 200, JSON.stringify(login.token));
    const token = login.token as Record<string, string>;
    assert.equal(Number(token.expires_in), 3600);
    const claims = decodeJwt(token.access_token as string);
    assert.equal(claims.aud, `${server.config.issuer}api/v2/`);
    assert.match(String(claims.sub), /^sms\|/);
    assert.equal(claims.azp, DASHBOARD);
    assert.ok(String(claims.scope).split(' ').includes('delete:clients'));
    const list = await server.call('GET', '/api/v2/clients', { token: token.access_token });
    assert.equal(list.status, 200);

    const refreshed = await server.call('POST', '/oauth/token', {
      form: {
        grant_type: 'refresh_token',
        client_id: DASHBOARD,
        refresh_token: token.refresh_token as string,
      },
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(decodeJwt(refreshed.body.access_token).aud, `${server.config.issuer}api/v2/`);
  });

  it('stops working at once when the phone leaves the config', async () => {
    const login = await dashboardLogin(server, sink, OPERATOR);
    const token = login.token?.access_token as string;
    assert.equal((await server.call('GET', '/api/v2/users', { token })).status, 200);
    const operators = server.config.admin.operators;
    server.config.admin.operators = [];
    try {
      const refused = await server.call('GET', '/api/v2/users', { token });
      assert.equal(refused.status, 401);
      const refresh = await server.call('POST', '/oauth/token', {
        form: {
          grant_type: 'refresh_token',
          client_id: DASHBOARD,
          refresh_token: login.token?.refresh_token as string,
        },
      });
      assert.equal(refresh.status, 403);
      assert.equal(refresh.body.error, 'access_denied');
    } finally {
      server.config.admin.operators = operators;
    }
    assert.equal((await server.call('GET', '/api/v2/users', { token })).status, 200);
  });

  it('texts no code to a non-operator, and its page looks the same as an operator’s', async () => {
    const start = async (phone: string) => {
      const browser = new HttpBrowser(server.url);
      const query = new URLSearchParams({
        client_id: DASHBOARD,
        redirect_uri: `${server.config.issuer}admin/`,
        response_type: 'code',
        audience: `${server.config.issuer}api/v2/`,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const page = await browser.get(`/authorize?${query}`);
      const codePage = await browser.postForm('/authorize/phone', {
        csrf: csrfOf(page.text),
        phone_number: phone,
      });
      return { browser, codePage };
    };
    const before = sink.received.length;
    const stranger = await start(STRANGER);
    assert.equal(stranger.codePage.status, 200);
    assert.match(stranger.codePage.text, /id="code"/);
    // The operator's SMS goes out after the stranger asked: had the stranger's gone out, it would be there too.
    const operator = await start(OPERATOR);
    assert.equal(operator.codePage.status, 200);
    await sink.waitFor(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const recipients = sink.received.slice(before).map((m) => String(m.body.to ?? m.body.recipient ?? m.raw));
    assert.equal(recipients.length, 1, recipients.join());
    assert.ok(!recipients[0]?.includes(STRANGER.slice(1)), recipients.join());
    const guess = await stranger.browser.postForm('/authorize/code', {
      csrf: csrfOf(stranger.codePage.text),
      code: '123456',
    });
    assert.equal(guess.status, 400, 'no code works for a phone that got none');
  });

  it('answers access_denied, and no code, to a session whose phone is no longer an operator', async () => {
    const browser = new HttpBrowser(server.url);
    const first = await dashboardLogin(server, sink, OPERATOR, { browser });
    assert.ok(first.params.get('code'));
    const operators = server.config.admin.operators;
    server.config.admin.operators = [];
    try {
      const again = await dashboardLogin(server, sink, OPERATOR, { browser });
      assert.equal(again.params.get('error'), 'access_denied');
      assert.equal(again.params.get('code'), null);
      assert.equal(again.token, undefined);
    } finally {
      server.config.admin.operators = operators;
    }
  });

  it('refuses the Management API audience to any other application', async () => {
    const token = await server.adminToken();
    const spa = await server.call('POST', '/api/v2/clients', {
      token,
      json: {
        name: 'Other SPA',
        app_type: 'spa',
        callbacks: ['https://app.example/'],
        grant_types: ['authorization_code'],
      },
    });
    const login = await dashboardLogin(server, sink, OPERATOR, {
      clientId: spa.body.client_id,
      redirectUri: 'https://app.example/',
    });
    assert.equal(login.params.get('error'), 'access_denied');
    assert.match(login.params.get('error_description') ?? '', /Service not found/);
  });

  it('needs read:sms_messages for the stream, read:stats for stats, read:connections for the preview', async () => {
    const narrow = async (scope: string) => {
      const result = await server.call('POST', '/oauth/token', {
        json: {
          grant_type: 'client_credentials',
          client_id: 'test-admin-client',
          client_secret: 'test-admin-secret-0123456789abcdef',
          audience: `${server.config.issuer}api/v2/`,
          scope,
        },
      });
      return result.body.access_token as string;
    };
    const readUsers = await narrow('read:users');
    for (const [method, path] of [
      ['GET', '/api/v2/sms-messages/stream'],
      ['GET', '/api/v2/stats/sms'],
      ['POST', '/api/v2/connections/sms-preview'],
    ] as const) {
      assert.equal((await server.call(method, path)).status, 401, `${path} without a token`);
      const refused = await server.call(method, path, {
        token: readUsers,
        json: method === 'POST' ? {} : undefined,
      });
      assert.equal(refused.status, 403, `${path} without its scope`);
    }
    const stats = await server.call('GET', '/api/v2/stats/sms?interval=day', {
      token: await narrow('read:stats'),
    });
    assert.equal(stats.status, 200, stats.text);
    assert.equal(stats.body.series.length >= 30, true);
    const hourly = await server.call('GET', '/api/v2/stats/sms', { token: await narrow('read:stats') });
    assert.equal(hourly.status, 200, hourly.text);
    const sent = hourly.body.series.reduce((sum: number, b: { codes_sent: number }) => sum + b.codes_sent, 0);
    assert.ok(sent >= 3, `codes sent: ${sent}`);
    assert.ok(
      hourly.body.by_country.some(
        (c: { country: string; logins: number }) => c.country === 'US' && c.logins > 0,
      ),
    );
    assert.ok(hourly.body.latency.accepted.reduce((a: number, b: number) => a + b, 0) > 0);
    const preview = await server.call('POST', '/api/v2/connections/sms-preview', {
      token: await narrow('read:connections'),
      json: { template: 'Your one time password is > @@password@@', totp: { length: 6 } },
    });
    assert.deepEqual(preview.body, {
      text: 'Your one time password is > 123456',
      encoding: 'GSM-7',
      segments: 1,
      units: 34,
      characters: 34,
    });
  });

  it('streams message changes as server-sent events', async () => {
    const token = await server.adminToken();
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/v2/sms-messages/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await until(/event: ready/);
    await dashboardLogin(server, sink, OPERATOR);
    await until(/"recipient":"\+14155550101"[^\n]*"status":"sent"/);
    assert.doesNotMatch(text, /"body":"[^"]*\d{6}/, 'the code is masked');
    controller.abort();
  });
});

describe('the first start’s setup link', () => {
  it('is printed once, makes the phone that opens it an operator, and works once', async () => {
    const sink = await SmsSink.start();
    const log = captureLog('info');
    const printed: string[] = [];
    const server = await startTestServer(
      { provider: { name: 'webhook', webhook: { url: sink.url } } },
      { logger: log.logger, setupLinkOut: { write: (line: string) => printed.push(line) > 0 } },
    );
    try {
      const link = /(https?:\/\/\S+\/admin\/setup#(\S+))/.exec(printed.join(''));
      assert.ok(link?.[2], printed.join(''));
      const token = link[2];
      assert.equal(log.lines.filter((l) => l.includes(token)).length, 1, 'one log line holds it');

      // Without the link, the phone is no operator: no SMS.
      const first = await dashboardLogin(server, sink, OPERATOR, { expectSms: false });
      assert.equal(first.smsSent, false);

      const browser = new HttpBrowser(server.url);
      const setup = await fetch(`${server.url}/admin/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      assert.equal(setup.status, 204);
      const cookie = setup.headers.getSetCookie()[0] ?? '';
      assert.match(cookie, /HttpOnly/);
      const [pair = ''] = cookie.split(';');
      browser.cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      const login = await dashboardLogin(server, sink, OPERATOR, { browser });
      assert.equal(login.tokenStatus, 200, JSON.stringify(login.params.toString()));

      // Used: a second phone with the same link gets nothing.
      const reuse = await fetch(`${server.url}/admin/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      assert.equal(reuse.status, 400);
      const other = new HttpBrowser(server.url);
      other.cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      const second = await dashboardLogin(server, sink, STRANGER, { browser: other, expectSms: false });
      assert.equal(second.smsSent, false);

      // With an operator, no start prints a link again.
      assert.equal(await server.services.operators.createSetupLink(), undefined);
    } finally {
      await server.stop();
      await sink.close();
    }
  });
});
