// Each rule against SMS pumping and abuse (issue 8), through the real server: the last request
// allowed, the first refused, what the caller and the security log are told, and the reset once
// the window has passed (the clock is moved, never waited for).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { createClient } from '../helpers/flow.js';
import { ADMIN, type CallResult, gatewayToken, startTestServer, type TestServer } from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface CallerOptions {
  /** The caller's IP (sent as X-Forwarded-For; every rig trusts the proxy). */
  ip?: string;
  /** Call as the backend, with its client secret, instead of the public app. */
  backend?: boolean;
  connection?: string;
  headers?: Record<string, string>;
}

/** Phone numbers `<prefix><n>`, n counting up from 0 and padded to `width` digits. */
function numbers(prefix: string, width: number): () => string {
  let n = 0;
  return () => `${prefix}${String(n++).padStart(width, '0')}`;
}

/**
 * A server whose messages reach a sink through the outbox, with one connection `sms` enabled for
 * a public app (no secret, like a browser) and a backend (a confidential client with its secret).
 */
class Rig {
  private constructor(
    readonly server: TestServer,
    readonly sink: SmsSink,
    readonly app: { client_id: string },
    readonly backend: { client_id: string; client_secret: string },
  ) {}

  static async start(config: Record<string, unknown>): Promise<Rig> {
    const sink = await SmsSink.start();
    const server = await startTestServer({
      provider: { name: 'webhook', webhook: { url: sink.url } },
      trustProxy: true,
      ...config,
    });
    const app = await createClient(server, { name: 'Public App', app_type: 'native' });
    const backend = await createClient(server, { name: 'Backend', app_type: 'regular_web' });
    const rig = new Rig(server, sink, app, backend);
    await rig.addConnection('sms');
    return rig;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.sink.close();
  }

  /** An sms connection for both clients, delivered by otpline's own gateway. */
  async addConnection(name: string, options: Record<string, unknown> = {}): Promise<void> {
    const result = await this.admin('POST', '/api/v2/connections', {
      name,
      strategy: 'sms',
      options: {
        provider: 'sms_gateway',
        gateway_url: `${this.server.config.issuer}gateway/sms`,
        template: 'Code: @@password@@',
        ...options,
      },
      enabled_clients: [this.app.client_id, this.backend.client_id],
    });
    assert.equal(result.status, 201, result.text);
  }

  private credentials(options: CallerOptions) {
    return options.backend
      ? { client_id: this.backend.client_id, client_secret: this.backend.client_secret }
      : { client_id: this.app.client_id };
  }

  private headers(options: CallerOptions): Record<string, string> {
    return { ...(options.ip ? { 'x-forwarded-for': options.ip } : {}), ...options.headers };
  }

  start(phone: string, options: CallerOptions = {}): Promise<CallResult> {
    return this.server.call('POST', '/passwordless/start', {
      headers: this.headers(options),
      json: { ...this.credentials(options), connection: options.connection ?? 'sms', phone_number: phone },
    });
  }

  /** Asks for a code and asserts it was accepted. */
  async sent(phone: string, options: CallerOptions = {}): Promise<void> {
    const result = await this.start(phone, options);
    assert.equal(result.status, 200, `${phone}: ${result.text}`);
  }

  /** Asks for a code and returns it as the phone receives it. */
  async code(phone: string, options: CallerOptions = {}): Promise<string> {
    const before = this.sink.received.filter((r) => r.body.to === phone).length;
    await this.sent(phone, options);
    const deadline = Date.now() + 5000;
    for (;;) {
      const delivered = this.sink.received.filter((r) => r.body.to === phone);
      if (delivered.length > before) return codeIn(delivered.at(-1)?.body.body);
      if (Date.now() > deadline) throw new Error(`no message reached ${phone}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  login(phone: string, otp: string, options: CallerOptions = {}): Promise<CallResult> {
    return this.server.call('POST', '/oauth/token', {
      headers: this.headers(options),
      json: { grant_type: OTP, ...this.credentials(options), realm: 'sms', username: phone, otp },
    });
  }

  /** A message through `POST /gateway/sms`, as Auth0 relays one. */
  async gateway(recipient: string): Promise<CallResult> {
    const token = await gatewayToken(this.server);
    return this.server.call('POST', '/gateway/sms', {
      token,
      json: { recipient, body: 'Your code is 1234' },
    });
  }

  async admin(method: string, path: string, json?: unknown): Promise<CallResult> {
    return this.server.call(method, path, { token: await this.adminToken(), json });
  }

  private token?: { value: string; at: number };

  /** A Management API token, asked again once the clock has moved an hour (tokens expire). */
  private async adminToken(): Promise<string> {
    const now = this.server.clock.now();
    if (!this.token || now - this.token.at >= HOUR) {
      const result = await this.server.call('POST', '/oauth/token', {
        json: { grant_type: 'client_credentials', ...ADMIN, audience: `${this.server.config.issuer}api/v2/` },
      });
      assert.equal(result.status, 200, result.text);
      this.token = { value: result.body.access_token, at: now };
    }
    return this.token.value;
  }

  /** The security log's events of one type, newest first (for one phone, when given). */
  async events(type: string, phone?: string) {
    const query = new URLSearchParams({ type, ...(phone ? { phone_number: phone } : {}) });
    const result = await this.admin('GET', `/api/v2/logs?${query}`);
    assert.equal(result.status, 200, result.text);
    return result.body as Array<{
      type: string;
      description: string;
      ip?: string;
      user_name?: string;
      connection?: string;
      client_id?: string;
      details: Record<string, unknown>;
    }>;
  }

  /** The rule of the newest event of `type` for `phone`. */
  async lastRule(type: string, phone: string): Promise<unknown> {
    return (await this.events(type, phone))[0]?.details.rule;
  }

  /** Messages ever stored, delivered or not. */
  async messageCount(): Promise<number> {
    const result = await this.admin('GET', '/api/v2/sms-messages?include_totals=true');
    return result.body.total as number;
  }

  advance(ms: number): void {
    this.server.clock.advance(ms);
  }
}

/** The rules a test does not look at, off so that they cannot get in its way. */
const OTHER_RULES_OFF = {
  phonesPerIp: 0,
  perPrefixPerMinute: 0,
  perPrefixPerHour: 0,
  conversion: { enabled: false },
};

function assertRefused(result: CallResult, status: number, error: string): void {
  assert.equal(result.status, status, result.text);
  assert.equal(result.body.error, error, result.text);
}

/** A 429 with a Retry-After of at most `maxSeconds`. */
function assertLimited(result: CallResult, maxSeconds: number): void {
  assertRefused(result, 429, 'too_many_requests');
  const retry = Number(result.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= maxSeconds, `retry-after ${retry}`);
}

describe('geo permissions: an allowlist, narrowed by connections', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, allowedCountries: ['US', 'GB', 'FR'] } });
  });
  after(() => rig.stop());

  it('sends to allowed countries, and refuses any other with bad.phone_number, storing and sending nothing', async () => {
    const stored = await rig.messageCount();
    const germany = '+4915112345601';
    const unknown = '+88234567890123'; // an international network: no country
    for (const phone of [germany, unknown]) {
      const refused = await rig.start(phone);
      assertRefused(refused, 400, 'bad.phone_number');
      assert.match(refused.body.error_description, /country/);
    }
    assert.equal(await rig.messageCount(), stored);

    const [germanyEvent] = await rig.events('otpline_geo_blocked', germany);
    const [unknownEvent] = await rig.events('otpline_geo_blocked', unknown);
    assert.equal(germanyEvent?.user_name, germany);
    assert.equal(germanyEvent?.details.rule, 'geo');
    assert.match(germanyEvent?.description ?? '', /DE is not allowed/);
    assert.equal(germanyEvent?.connection, 'sms');
    assert.equal(germanyEvent?.client_id, rig.app.client_id);
    assert.match(unknownEvent?.description ?? '', /unknown is not allowed/);

    await rig.code('+14155550100');
    await rig.code('+447700900100');
    assert.ok(!rig.sink.received.some((r) => r.body.to === germany || r.body.to === unknown));
  });

  it("narrows the countries with a connection's allowed_countries and denied_countries, never widening them", async () => {
    await rig.addConnection('us-only', { allowed_countries: ['US'] });
    await rig.addConnection('no-gb', { denied_countries: ['GB'] });
    await rig.addConnection('wants-de', { allowed_countries: ['US', 'DE'] });
    const gb = '+447700900201';
    const cases: Array<[string, string, number]> = [
      ['us-only', '+14155550201', 200],
      ['us-only', gb, 400],
      ['no-gb', gb, 400],
      ['no-gb', '+33612345601', 200],
      ['wants-de', '+4915112345602', 400],
      ['wants-de', '+14155550202', 200],
      ['sms', gb, 200],
    ];
    for (const [connection, phone, status] of cases) {
      const result = await rig.start(phone, { connection });
      assert.equal(result.status, status, `${connection} ${phone}: ${result.text}`);
      if (status === 400) assert.equal(result.body.error, 'bad.phone_number');
    }
    const refusals = await rig.events('otpline_geo_blocked', gb);
    assert.deepEqual(refusals.map((e) => e.connection).sort(), ['no-gb', 'us-only']);
  });

  it('refuses connection options that are not lists of ISO country codes', async () => {
    const bad = [
      { allowed_countries: ['usa'] },
      { allowed_countries: ['us'] },
      { denied_countries: ['U1'] },
      { allowed_countries: 'US' },
      { denied_countries: ['GB', 'GB'] },
    ];
    for (const [i, options] of bad.entries()) {
      const result = await rig.admin('POST', '/api/v2/connections', {
        name: `bad-${i}`,
        strategy: 'sms',
        options,
      });
      assert.equal(result.status, 400, `${JSON.stringify(options)}: ${result.text}`);
    }
    const list = await rig.admin('GET', '/api/v2/connections?name=us-only');
    const patched = await rig.admin('PATCH', `/api/v2/connections/${list.body[0].id}`, {
      options: { allowed_countries: ['usa'] },
    });
    assert.equal(patched.status, 400, patched.text);
  });

  it('refuses a country outside the allowlist at the gateway, with bad.recipient', async () => {
    const refused = await rig.gateway('+4915112345603');
    assertRefused(refused, 400, 'bad.recipient');
    const [event] = await rig.events('otpline_geo_blocked', '+4915112345603');
    assert.equal(event?.details.rule, 'geo');
    assert.equal((await rig.gateway('+14155550203')).status, 200);
  });
});

describe('geo permissions: a denylist', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, deniedCountries: ['RU'] } });
  });
  after(() => rig.stop());

  it('refuses a denied country at /passwordless/start and at the gateway, and nothing else', async () => {
    const russia = '+79161234501';
    assertRefused(await rig.start(russia), 400, 'bad.phone_number');
    assertRefused(await rig.gateway(russia), 400, 'bad.recipient');
    assert.equal((await rig.events('otpline_geo_blocked', russia)).length, 2);
    await rig.sent('+4915112345601');
    assert.equal((await rig.gateway('+4915112345602')).status, 200);
    assert.equal((await rig.gateway('+88234567890123')).status, 200, 'an unknown country is not denied');
  });
});

describe('velocity per number range and per country', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      abuse: {
        perPrefixPerMinute: 2,
        perPrefixPerHour: 3,
        perCountryPerMinute: 4,
        perCountryPerHour: 6,
        phonesPerIp: 0,
        conversion: { enabled: false },
      },
    });
  });
  after(() => rig.stop());

  it('allows perPrefixPerMinute and perPrefixPerHour codes to a number range, refusing that range only', async () => {
    const range = numbers('+1415555', 4);
    const other = numbers('+1415556', 4);
    await rig.sent(range());
    await rig.sent(range());
    const third = range();
    assertLimited(await rig.start(third), 60);
    const [event] = await rig.events('otpline_velocity_limited', third);
    assert.equal(event?.details.rule, 'velocity.prefix.minute');
    assert.match(event?.description ?? '', /number range \+1415555/);
    await rig.sent(other(), { backend: true });

    rig.advance(MINUTE);
    await rig.sent(range());
    const fourth = range();
    assertLimited(await rig.start(fourth), 3600);
    assert.equal(await rig.lastRule('otpline_velocity_limited', fourth), 'velocity.prefix.hour');

    rig.advance(HOUR);
    await rig.sent(range());
  });

  it('allows perCountryPerMinute and perCountryPerHour codes to a country across its ranges, refusing that country only', async () => {
    let n = 10;
    const gb = () => `+4477${n++}900123`; // a new range each time: +447710 9, +447711 9, ...
    for (let i = 0; i < 4; i++) await rig.sent(gb());
    const fifth = gb();
    assertLimited(await rig.start(fifth), 60);
    const [event] = await rig.events('otpline_velocity_limited', fifth);
    assert.equal(event?.details.rule, 'velocity.country.minute');
    assert.match(event?.description ?? '', /country GB/);
    await rig.sent('+33612345601');

    rig.advance(MINUTE);
    await rig.sent(gb());
    await rig.sent(gb());
    const seventh = gb();
    assertLimited(await rig.start(seventh), 3600);
    assert.equal(await rig.lastRule('otpline_velocity_limited', seventh), 'velocity.country.hour');

    rig.advance(HOUR);
    await rig.sent(gb());
  });

  it("counts the gateway's messages toward the same range", async () => {
    const range = numbers('+1415557', 4);
    assert.equal((await rig.gateway(range())).status, 200);
    assert.equal((await rig.gateway(range())).status, 200);
    assertLimited(await rig.gateway(range()), 60);
    assertLimited(await rig.start(range()), 60);
    rig.advance(MINUTE);
    await rig.sent(range());
  });
});

describe('the conversion guard', () => {
  let rig: Rig;
  const THROTTLE_MINUTES = 30;
  before(async () => {
    rig = await Rig.start({
      abuse: {
        phonesPerIp: 0,
        conversion: {
          minSent: 4,
          minRate: 0.5,
          graceSeconds: 60,
          throttleMinutes: THROTTLE_MINUTES,
          throttledPrefixPerHour: 1,
          // High enough that a throttled country does not hide what its ranges do.
          throttledCountryPerHour: 100,
        },
      },
    });
  });
  after(() => rig.stop());

  /** Enough time for every code sent so far to be older than graceSeconds, in a judged minute. */
  const pastGrace = () => rig.advance(3 * MINUTE);

  async function throttles() {
    const result = await rig.admin('GET', '/api/v2/attack-protection/throttles');
    assert.equal(result.status, 200, result.text);
    return result.body as Array<{ scope: string; key: string; rule: string; reason: string; until: string }>;
  }

  /** The events that raised a throttle on `key`, newest first. */
  async function raised(key: string) {
    return (await rig.events('otpline_conversion_throttled')).filter((e) => e.details.key === key);
  }

  it('throttles a range whose codes are not used, once minSent of them are past graceSeconds', async () => {
    const pumped = numbers('+447700900', 3);
    const member = pumped(); // a user of the range from before the attack
    assert.equal((await rig.login(member, await rig.code(member))).status, 200);
    const below = numbers('+336123456', 2); // minSent - 1 codes: not judged
    for (let i = 0; i < 6; i++) await rig.sent(pumped());
    for (let i = 0; i < 3; i++) await rig.sent(below());
    assert.equal((await rig.events('otpline_conversion_throttled')).length, 0, 'young codes are not judged');

    pastGrace();
    await rig.sent(below());
    await rig.sent(pumped()); // raises the throttle, and is the one new phone this hour
    const [event] = await raised('+4477009');
    assert.deepEqual(event?.details, {
      rule: 'conversion.prefix',
      scope: 'prefix',
      key: '+4477009',
      sent: 7,
      verified: 1,
    });
    assert.equal((await raised('GB')).length, 1, 'the country converts as badly');
    const list = await throttles();
    const throttle = list.find((t) => t.key === '+4477009');
    assert.equal(throttle?.scope, 'prefix');
    assert.equal(throttle?.rule, 'conversion');
    assert.match(throttle?.reason ?? '', /1 of 7 codes/);
    assert.ok(!list.some((t) => t.key === '+3361234' || t.key === 'FR'));

    const refused = pumped();
    assertLimited(await rig.start(refused), 3600);
    assert.equal(await rig.lastRule('otpline_conversion_throttled', refused), 'conversion.prefix');
    await rig.sent(member); // a phone with a user still gets its codes
    await rig.sent(below());
    await rig.sent('+447711900123'); // another range of the same country
  });

  it('leaves a range alone when minRate of its codes are used, and throttles one just below', async () => {
    const healthy = numbers('+1415555', 4);
    const poor = numbers('+1415556', 4);
    for (let i = 0; i < 4; i++) {
      const phone = healthy();
      const code = await rig.code(phone);
      if (i < 2) assert.equal((await rig.login(phone, code)).status, 200);
    }
    for (let i = 0; i < 4; i++) {
      const phone = poor();
      const code = await rig.code(phone);
      if (i < 1) assert.equal((await rig.login(phone, code)).status, 200);
    }

    pastGrace();
    for (let i = 0; i < 3; i++) await rig.sent(healthy());
    await rig.sent(poor());
    assertLimited(await rig.start(poor()), 3600);
    const keys = (await throttles()).map((t) => t.key);
    assert.ok(keys.includes('+1415556'));
    assert.ok(!keys.includes('+1415555'));
  });

  it('lifts a throttle through DELETE /api/v2/attack-protection/throttles/prefix/<range>', async () => {
    const pumped = numbers('+447722900', 3);
    for (let i = 0; i < 4; i++) await rig.sent(pumped());
    pastGrace();
    await rig.sent(pumped());
    assertLimited(await rig.start(pumped()), 3600);

    const path = `/api/v2/attack-protection/throttles/prefix/${encodeURIComponent('+4477229')}`;
    assert.equal((await rig.admin('DELETE', path)).status, 204);
    assert.ok(!(await throttles()).some((t) => t.key === '+4477229'));
    await rig.sent(pumped());
    await rig.sent(pumped());
    assert.equal((await rig.admin('DELETE', path)).status, 404, 'nothing left to lift');
  });

  it('ends a throttle after throttleMinutes, and throttles again at once a range whose codes are still not used', async () => {
    const pumped = numbers('+447733900', 3);
    for (let i = 0; i < 4; i++) await rig.sent(pumped());
    pastGrace();
    await rig.sent(pumped());
    assertLimited(await rig.start(pumped()), 3600);

    rig.advance((THROTTLE_MINUTES - 1) * MINUTE);
    assert.ok((await throttles()).some((t) => t.key === '+4477339'));
    rig.advance(MINUTE);
    assert.ok(!(await throttles()).some((t) => t.key === '+4477339'), 'the throttle has ended');
    assertLimited(await rig.start(pumped()), 3600);
    assert.equal((await raised('+4477339')).length, 2, 'raised again: the ring only waited');
    assert.ok((await throttles()).some((t) => t.key === '+4477339'));
  });
});

describe('SMS budgets: global', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, budgetPerHour: 3, budgetPerDay: 5 } });
  });
  after(() => rig.stop());

  it('spends budgetPerHour and budgetPerDay on codes and gateway messages alike, then refuses both', async () => {
    const phone = numbers('+1415555', 4);
    await rig.sent(phone());
    await rig.sent(phone(), { backend: true });
    assert.equal((await rig.gateway(phone())).status, 200);
    const stored = await rig.messageCount();
    const fourth = phone();
    const refused = await rig.start(fourth);
    assertLimited(refused, 3600);
    assert.match(refused.body.error_description, /budget/);
    const atGateway = await rig.gateway(phone());
    assertLimited(atGateway, 3600);
    assert.match(atGateway.body.error_description, /budget/);
    assert.equal(await rig.messageCount(), stored);
    const [event] = await rig.events('otpline_budget_exhausted', fourth);
    assert.equal(event?.details.rule, 'budget.hour');
    assert.match(event?.description ?? '', /hourly SMS budget of 3/);

    rig.advance(HOUR);
    await rig.sent(phone());
    await rig.sent(phone());
    const sixth = phone();
    assertLimited(await rig.start(sixth), 86_400);
    assert.equal(await rig.lastRule('otpline_budget_exhausted', sixth), 'budget.day');
    rig.advance(HOUR);
    assertLimited(await rig.start(phone()), 86_400);

    rig.advance(DAY);
    await rig.sent(phone());
  });
});

describe('SMS budgets: per connection', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: OTHER_RULES_OFF });
    await rig.addConnection('capped', { sms_budget_per_hour: 2, sms_budget_per_day: 3 });
  });
  after(() => rig.stop());

  it("refuses codes past a connection's sms_budget_per_hour and sms_budget_per_day, on that connection only", async () => {
    const phone = numbers('+1415555', 4);
    const capped = { connection: 'capped' };
    await rig.sent(phone(), capped);
    await rig.sent(phone(), capped);
    const third = phone();
    const refused = await rig.start(third, capped);
    assertLimited(refused, 3600);
    assert.match(refused.body.error_description, /budget/);
    const [event] = await rig.events('otpline_budget_exhausted', third);
    assert.equal(event?.details.rule, 'budget.connection.hour');
    assert.equal(event?.connection, 'capped');
    assert.match(event?.description ?? '', /hourly SMS budget of 2/);
    await rig.sent(phone());

    rig.advance(HOUR);
    await rig.sent(phone(), capped);
    const fourth = phone();
    assertLimited(await rig.start(fourth, capped), 86_400);
    assert.equal(await rig.lastRule('otpline_budget_exhausted', fourth), 'budget.connection.day');

    rig.advance(DAY);
    await rig.sent(phone(), capped);
  });

  it('refuses a budget that is not a whole number of zero or more', async () => {
    for (const options of [
      { sms_budget_per_hour: -1 },
      { sms_budget_per_day: 'ten' },
      { sms_budget_per_hour: 1.5 },
    ]) {
      const result = await rig.admin('POST', '/api/v2/connections', {
        name: 'bad-budget',
        strategy: 'sms',
        options,
      });
      assert.equal(result.status, 400, `${JSON.stringify(options)}: ${result.text}`);
    }
  });
});

describe("a connection's own volume limits", () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, perPrefixPerMinute: 5 } });
    await rig.addConnection('strict', { abuse_limits: { per_prefix_per_minute: 1 } });
    await rig.addConnection('loose', { abuse_limits: { per_prefix_per_minute: 0 } });
  });
  after(() => rig.stop());

  it('replaces a configured limit for the codes asked through that connection', async () => {
    const range = numbers('+1415555', 4);
    await rig.sent(range(), { connection: 'strict' });
    const second = range();
    assertLimited(await rig.start(second, { connection: 'strict' }), 60);
    assert.equal(await rig.lastRule('otpline_velocity_limited', second), 'velocity.prefix.minute');
    // The default connection keeps the configured 5 a minute (the range has had 2 tries).
    await rig.sent(range());
    await rig.sent(range());
    await rig.sent(range());
    assertLimited(await rig.start(range()), 60);
    // 0 switches the limit off for that connection.
    for (let i = 0; i < 3; i++) await rig.sent(range(), { connection: 'loose' });
  });

  it('refuses limits that are not whole numbers of zero or more, or unknown', async () => {
    const token = await rig.server.adminToken();
    for (const abuse_limits of [
      { per_prefix_per_minute: -1 },
      { per_prefix_per_minute: 1.5 },
      { per_day: 3 },
    ]) {
      const created = await rig.server.call('POST', '/api/v2/connections', {
        token,
        json: {
          name: `bad-${Math.random().toString(36).slice(2, 8)}`,
          strategy: 'sms',
          options: { abuse_limits },
        },
      });
      assert.equal(created.status, 400, created.text);
      assert.equal(created.body.errorCode, 'invalid_body');
    }
  });
});

describe('suspicious IP throttling', () => {
  let rig: Rig;
  let signup: () => string;
  // pre-user-registration: 3 at once, a window of 3 × 1.2 s ≈ 4 s; pre-login: 2, 2 × 34.56 s ≈ 69 s.
  const SIGNUP_WINDOW = 4 * SECOND;
  const LOGIN_WINDOW = 69 * SECOND;

  before(async () => {
    rig = await Rig.start({ abuse: OTHER_RULES_OFF });
    signup = numbers('+1415555', 4);
    const set = await rig.admin('PATCH', '/api/v2/attack-protection/suspicious-ip-throttling', {
      stage: {
        'pre-user-registration': { max_attempts: 3, rate: 1200 },
        'pre-login': { max_attempts: 2, rate: 34_560 },
      },
    });
    assert.equal(set.status, 200, set.text);
  });
  after(() => rig.stop());
  beforeEach(async () => {
    const reset = await rig.admin('PATCH', '/api/v2/attack-protection/suspicious-ip-throttling', {
      enabled: true,
      allowlist: [],
    });
    assert.equal(reset.status, 200, reset.text);
  });

  /** A phone with a user, signed up from an IP no test limits. */
  async function knownPhone(phone: string): Promise<string> {
    const code = await rig.code(phone, { ip: '192.0.2.200' });
    assert.equal((await rig.login(phone, code, { ip: '192.0.2.200' })).status, 200);
    return phone;
  }

  it('limits the codes one IP asks for new phones (pre-user-registration), not other IPs', async () => {
    const ip = '203.0.113.10';
    for (let i = 0; i < 3; i++) await rig.sent(signup(), { ip });
    const fourth = signup();
    assertLimited(await rig.start(fourth, { ip }), 4);
    const [event] = await rig.events('limit_mu', fourth);
    assert.equal(event?.ip, ip);
    assert.equal(event?.details.rule, 'suspicious_ip_throttling');
    await rig.sent(signup(), { ip: '203.0.113.11' });

    rig.advance(SIGNUP_WINDOW);
    await rig.sent(signup(), { ip });
  });

  it('limits the codes one IP asks for known phones (pre-login) by that stage', async () => {
    const phone = await knownPhone('+14155559001');
    const ip = '203.0.113.20';
    await rig.sent(phone, { ip });
    await rig.sent(phone, { ip });
    assertLimited(await rig.start(phone, { ip }), 69);
    rig.advance(SIGNUP_WINDOW);
    assertLimited(await rig.start(phone, { ip }), 69);
    rig.advance(LOGIN_WINDOW);
    await rig.sent(phone, { ip });
  });

  it('counts the two stages apart: signups neither spend nor reset the pre-login limit', async () => {
    const phone = await knownPhone('+14155559002');
    const ip = '203.0.113.30';
    await rig.sent(phone, { ip });
    await rig.sent(phone, { ip });
    for (let i = 0; i < 3; i++) await rig.sent(signup(), { ip });
    rig.advance(SIGNUP_WINDOW);
    await rig.sent(signup(), { ip });
    assertLimited(await rig.start(phone, { ip }), 69);
  });

  it('counts IPv6 callers per /64', async () => {
    for (const ip of ['2001:db8:aa:1::1', '2001:db8:aa:1::2', '2001:db8:aa:1:ffff::9'])
      await rig.sent(signup(), { ip });
    const fourth = signup();
    assertLimited(await rig.start(fourth, { ip: '2001:db8:aa:1::abcd' }), 4);
    const [event] = await rig.events('limit_mu', fourth);
    assert.match(event?.description ?? '', /2001:db8:aa:1::\/64/);
    await rig.sent(signup(), { ip: '2001:db8:aa:2::1' });
  });

  it('exempts the allowlist, and does nothing when disabled', async () => {
    const allow = await rig.admin('PATCH', '/api/v2/attack-protection/suspicious-ip-throttling', {
      allowlist: ['198.51.100.0/24'],
    });
    assert.deepEqual(allow.body.allowlist, ['198.51.100.0/24']);
    for (let i = 0; i < 5; i++) await rig.sent(signup(), { ip: '198.51.100.7' });
    for (let i = 0; i < 3; i++) await rig.sent(signup(), { ip: '203.0.113.40' });
    assertLimited(await rig.start(signup(), { ip: '203.0.113.40' }), 4);

    const off = await rig.admin('PATCH', '/api/v2/attack-protection/suspicious-ip-throttling', {
      enabled: false,
    });
    assert.equal(off.body.enabled, false);
    for (let i = 0; i < 5; i++) await rig.sent(signup(), { ip: '203.0.113.41' });
  });

  it('does not limit a backend with its secret, unless it names its user in auth0-forwarded-for', async () => {
    const ip = '203.0.113.60';
    for (let i = 0; i < 5; i++) await rig.sent(signup(), { ip, backend: true });
    const user = { ip, backend: true, headers: { 'auth0-forwarded-for': '203.0.113.61' } };
    for (let i = 0; i < 3; i++) await rig.sent(signup(), user);
    const fourth = signup();
    assertLimited(await rig.start(fourth, user), 4);
    assert.equal((await rig.events('limit_mu', fourth))[0]?.ip, '203.0.113.61');

    // A public caller cannot pose as someone else with the header.
    const forged = (n: number) => ({
      ip: '203.0.113.62',
      headers: { 'auth0-forwarded-for': `192.0.2.${n}` },
    });
    for (let i = 0; i < 3; i++) await rig.sent(signup(), forged(i));
    assertLimited(await rig.start(signup(), forged(9)), 4);
  });
});

describe('different phones per IP', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, phonesPerIp: 3 } });
  });
  after(() => rig.stop());

  it('refuses the phonesPerIp+1th different phone from one IP this hour, but not a phone already asked for', async () => {
    const ip = '203.0.113.70';
    const [a, b, c, d] = ['+14155550001', '+14155550002', '+14155550003', '+14155550004'] as const;
    for (const phone of [a, b, c]) await rig.sent(phone, { ip });
    assertLimited(await rig.start(d, { ip }), 3600);
    const [event] = await rig.events('otpline_phones_per_ip', d);
    assert.equal(event?.details.rule, 'phones_per_ip');
    assert.equal(event?.user_name, d);
    assert.match(event?.description ?? '', /203\.0\.113\.70 asked codes for 4 different phones/);
    await rig.sent(a, { ip });
    await rig.sent(d, { ip: '203.0.113.71' });
    await rig.sent(d, { ip, backend: true }); // a backend is limited only by the IP it names

    rig.advance(HOUR);
    await rig.sent(d, { ip });
  });

  it('counts IPv6 callers per /64', async () => {
    const phones = ['+14155550011', '+14155550012', '+14155550013'];
    for (const [i, phone] of phones.entries()) await rig.sent(phone, { ip: `2001:db8:bb:1::${i + 1}` });
    assertLimited(await rig.start('+14155550014', { ip: '2001:db8:bb:1:abcd::1' }), 3600);
    await rig.sent('+14155550014', { ip: '2001:db8:bb:2::1' });
  });
});

describe("brute-force protection, by Auth0's settings", () => {
  let rig: Rig;
  const phone = numbers('+1415555', 4);

  before(async () => {
    rig = await Rig.start({ abuse: OTHER_RULES_OFF });
  });
  after(() => rig.stop());

  async function settings(patch: Record<string, unknown>): Promise<void> {
    const result = await rig.admin('PATCH', '/api/v2/attack-protection/brute-force-protection', {
      enabled: true,
      mode: 'count_per_identifier',
      allowlist: [],
      max_attempts: 3,
      ...patch,
    });
    assert.equal(result.status, 200, result.text);
  }

  async function blocks(to: string) {
    const result = await rig.admin('GET', `/api/v2/user-blocks?identifier=${encodeURIComponent(to)}`);
    assert.equal(result.status, 200, result.text);
    return result.body.blocked_for as Array<{ identifier: string; ip?: string; connection: string }>;
  }

  /** `times` wrong codes, each answered 403. */
  async function miss(to: string, code: string, times: number, ip: string): Promise<void> {
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < times; i++) assertRefused(await rig.login(to, wrong, { ip }), 403, 'invalid_grant');
  }

  it('blocks a phone at max_attempts failures, for every IP, until the block period passes', async () => {
    await settings({});
    const to = phone();
    const ip = '203.0.113.80';
    const code = await rig.code(to, { ip });
    await miss(to, code, 3, ip);
    const blocked = await rig.login(to, code, { ip: '203.0.113.81' });
    assertRefused(blocked, 429, 'too_many_attempts');
    assertRefused(await rig.start(to, { ip: '203.0.113.81' }), 429, 'too_many_attempts');
    const [event] = await rig.events('limit_wc', to);
    assert.equal(event?.details.rule, 'brute_force_protection');
    assert.equal(event?.ip, ip);
    assert.deepEqual(
      (await blocks(to)).map((b) => ({ identifier: b.identifier, ip: b.ip, connection: b.connection })),
      [{ identifier: to, ip: undefined, connection: 'sms' }],
    );

    rig.advance(901 * SECOND);
    const fresh = await rig.code(to, { ip });
    assert.equal((await rig.login(to, fresh, { ip })).status, 200);
  });

  it('with count_per_identifier_and_ip, blocks the phone from that IP only', async () => {
    await settings({ mode: 'count_per_identifier_and_ip' });
    const to = phone();
    const ip = '203.0.113.82';
    const code = await rig.code(to, { ip });
    await miss(to, code, 3, ip);
    assertRefused(await rig.login(to, code, { ip }), 429, 'too_many_attempts');
    assertRefused(await rig.start(to, { ip }), 429, 'too_many_attempts');
    const [block] = await blocks(to);
    assert.equal(block?.ip, ip);
    assert.equal(block?.identifier, to);

    const other = '203.0.113.83';
    const fresh = await rig.code(to, { ip: other });
    assert.equal((await rig.login(to, fresh, { ip: other })).status, 200);
  });

  it('never blocks when disabled, nor counts the allowlisted IPs', async () => {
    for (const [patch, ip] of [
      [{ enabled: false }, '203.0.113.84'],
      [{ allowlist: ['198.51.100.0/24'] }, '198.51.100.9'],
    ] as const) {
      await settings(patch);
      const to = phone();
      await miss(to, await rig.code(to, { ip }), 3, ip);
      const code = await rig.code(to, { ip });
      await miss(to, code, 2, ip);
      assert.equal((await rig.login(to, code, { ip })).status, 200, `${JSON.stringify(patch)}`);
      assert.deepEqual(await blocks(to), []);
      assert.equal((await rig.events('limit_wc', to)).length, 0);
    }
  });
});

describe('test numbers and the security log of a normal login', () => {
  const testNumber = { phone: '+14155550199', code: '246810' };
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ abuse: { ...OTHER_RULES_OFF, testNumbers: [testNumber] } });
  });
  after(() => rig.stop());

  it('logs a test number in with its fixed code, sending no SMS', async () => {
    const stored = await rig.messageCount();
    const start = await rig.start(testNumber.phone);
    assert.equal(start.status, 200, start.text);
    assert.equal(start.body.phone_number, testNumber.phone);
    assert.equal(await rig.messageCount(), stored);
    const login = await rig.login(testNumber.phone, testNumber.code);
    assert.equal(login.status, 200, login.text);
    assert.ok(login.body.access_token);
    const [event] = await rig.events('otpline_test_number', testNumber.phone);
    assert.match(event?.description ?? '', /no SMS/);
    assert.equal((await rig.events('cls', testNumber.phone)).length, 0);

    await rig.code('+14155550198');
    assert.ok(!rig.sink.received.some((r) => r.body.to === testNumber.phone));
  });

  it('refuses test numbers when NODE_ENV=production, unless testNumbersInProduction', () => {
    const abuse = { testNumbers: [testNumber] };
    const production = { NODE_ENV: 'production' };
    assert.throws(() => loadConfig({ env: production, overrides: { abuse } }), ConfigError);
    assert.throws(
      () => loadConfig({ env: { ...production, OTPLINE_TEST_NUMBERS: '+14155550199:246810' } }),
      /test numbers/,
    );
    const allowed = loadConfig({
      env: production,
      overrides: { abuse: { ...abuse, testNumbersInProduction: true } },
    });
    assert.deepEqual(allowed.abuse.testNumbers, [testNumber]);
    assert.deepEqual(loadConfig({ env: {}, overrides: { abuse } }).abuse.testNumbers, [testNumber]);
  });

  it('records cls for a code sent, fp for a wrong code, ss and s for the first login, s after', async () => {
    const to = '+14155550301';
    const ip = '203.0.113.90';
    // Events of one instant (the clock stands still) are compared as sets.
    const types = async () => (await rig.events('cls,fp,ss,s', to)).map((e) => e.type).sort();
    const code = await rig.code(to, { ip });
    const [sent] = await rig.events('cls', to);
    assert.equal(sent?.ip, ip);
    assert.equal(sent?.connection, 'sms');
    assert.equal(sent?.client_id, rig.app.client_id);
    assert.deepEqual(await types(), ['cls']);
    assertRefused(await rig.login(to, code === '000000' ? '111111' : '000000', { ip }), 403, 'invalid_grant');
    assert.deepEqual(await types(), ['cls', 'fp']);
    assert.equal((await rig.login(to, code, { ip })).status, 200);
    assert.deepEqual(await types(), ['cls', 'fp', 's', 'ss']);
    const again = await rig.code(to, { ip });
    assert.equal((await rig.login(to, again, { ip })).status, 200);
    assert.deepEqual(await types(), ['cls', 'cls', 'fp', 's', 's', 'ss']);
  });
});

describe('country lists from the environment', () => {
  it('reads lower-case ISO codes as the upper-case ones the config holds', () => {
    const config = loadConfig({
      env: { OTPLINE_ALLOWED_COUNTRIES: 'us, gb', OTPLINE_DENIED_COUNTRIES: 'ru' },
    });
    assert.deepEqual(config.abuse.allowedCountries, ['US', 'GB']);
    assert.deepEqual(config.abuse.deniedCountries, ['RU']);
  });
});
