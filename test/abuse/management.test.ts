// The Management API of attack protection (issue 8): Auth0's brute-force and suspicious-IP-throttling
// settings, user blocks, the security log (GET /api/v2/logs) and otpline's throttles, over HTTP and
// through the official auth0 v7 ManagementClient, each checked against what the server then does.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Management, ManagementClient } from 'auth0';
import { decodeJwt } from 'jose';
import { MANAGEMENT_SCOPES } from '../../src/management/scopes.js';
import { cleanUp } from '../../src/server.js';
import { blockPhone, scopedToken } from '../helpers/blocks.js';
import { createClient, createConnection, walkthroughConnection } from '../helpers/flow.js';
import {
  ADMIN,
  type CallResult,
  GATEWAY_SECRET,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../helpers/server.js';
import { codeIn, SmsSink } from '../helpers/sms-sink.js';

const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';
const BRUTE_FORCE = '/api/v2/attack-protection/brute-force-protection';
const THROTTLING = '/api/v2/attack-protection/suspicious-ip-throttling';
const THROTTLES = '/api/v2/attack-protection/throttles';
const DAY = 86_400_000;
const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');

// The other abuse rules (different phones per IP, number-range velocity, the conversion guard)
// have their own tests; here one IP asks codes for many phones of one range, so they are off.
const QUIET = {
  trustProxy: true,
  abuse: { phonesPerIp: 0, perPrefixPerMinute: 0, perPrefixPerHour: 0, conversion: { enabled: false } },
};

interface LogEvent {
  log_id: string;
  date: string;
  type: string;
  [field: string]: unknown;
}

/**
 * A server behind a trusted proxy (X-Forwarded-For names the caller's IP), an SMS gateway that
 * receives the codes while /passwordless/start waits, a public app, and the `sms` connection
 * with brute-force protection on.
 */
class Rig {
  private constructor(
    readonly server: TestServer,
    readonly sink: SmsSink,
    readonly clientId: string,
    readonly connectionId: string,
    public token: string,
  ) {}

  static async start(config: Record<string, unknown> = {}, options: TestServerOptions = {}): Promise<Rig> {
    const sink = await SmsSink.start();
    const server = await startTestServer({ ...QUIET, ...config }, options);
    const client = await createClient(server);
    const connection = await createConnection(server, {
      name: 'sms',
      strategy: 'sms',
      ...walkthroughConnection(`${sink.url}/sms`, [client.client_id], { name: 'sms' }),
    });
    return new Rig(server, sink, client.client_id, connection.id, await server.adminToken());
  }

  /** A new admin token, for when the clock has moved past the last one's expiry. */
  async renewToken(): Promise<void> {
    this.token = await scopedToken(this.server, MANAGEMENT_SCOPES.join(' '));
  }

  async close(): Promise<void> {
    await this.server.stop();
    await this.sink.close();
  }

  /** A Management API call with the admin token (every scope). */
  api(method: string, path: string, json?: unknown): Promise<CallResult> {
    return this.server.call(method, path, { token: this.token, ...(json === undefined ? {} : { json }) });
  }

  start(phone: string, ip = '127.0.0.1'): Promise<CallResult> {
    return this.server.call('POST', '/passwordless/start', {
      json: { client_id: this.clientId, connection: 'sms', phone_number: phone },
      headers: { 'x-forwarded-for': ip, 'user-agent': 'otpline-tests/1.0' },
    });
  }

  /** Asks a code and returns it as the gateway received it. */
  async sendCode(phone: string, ip?: string): Promise<string> {
    const start = await this.start(phone, ip);
    assert.equal(start.status, 200, start.text);
    const sms = this.sink.received.filter((r) => r.body.recipient === phone).at(-1);
    return codeIn(sms?.body.body);
  }

  login(phone: string, otp: string, ip = '127.0.0.1'): Promise<CallResult> {
    return this.server.call('POST', '/oauth/token', {
      json: {
        grant_type: OTP,
        client_id: this.clientId,
        realm: 'sms',
        username: phone,
        otp,
        scope: 'openid',
      },
      headers: { 'x-forwarded-for': ip, 'user-agent': 'otpline-tests/1.0' },
    });
  }

  /** Logs in with a fresh code and returns the user's id (`sms|<24 hex>`). */
  async signIn(phone: string, ip?: string): Promise<string> {
    const login = await this.login(phone, await this.sendCode(phone, ip), ip);
    assert.equal(login.status, 200, login.text);
    return String(decodeJwt(login.body.id_token).sub);
  }

  /** Wrong codes from `ip` until the phone is blocked there (a fresh code every third miss). */
  async blockFrom(phone: string, ip: string): Promise<void> {
    for (let miss = 0; miss < 12; miss++) {
      if (miss % 3 === 0) {
        const start = await this.start(phone, ip);
        if (start.status === 429) return;
      }
      const login = await this.login(phone, '000000', ip);
      if (login.status === 429) return;
      assert.equal(login.status, 403, login.text);
    }
    assert.fail(`${phone} was not blocked from ${ip}`);
  }

  async blocks(identifier: string, query = ''): Promise<unknown> {
    const result = await this.api(
      'GET',
      `/api/v2/user-blocks?identifier=${encodeURIComponent(identifier)}${query}`,
    );
    assert.equal(result.status, 200, result.text);
    return result.body;
  }

  /** The whole security log, newest first. */
  async log(query = ''): Promise<LogEvent[]> {
    const result = await this.api('GET', `/api/v2/logs?per_page=100${query}`);
    assert.equal(result.status, 200, result.text);
    return result.body;
  }

  async setBruteForce(patch: Record<string, unknown>): Promise<void> {
    const result = await this.api('PATCH', BRUTE_FORCE, patch);
    assert.equal(result.status, 200, result.text);
  }
}

/** Auth0's Management API error body. */
function assertManagementError(result: CallResult, status: number, errorCode: string, message?: RegExp) {
  assert.equal(result.status, status, result.text);
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
  };
  assert.deepEqual(Object.keys(result.body).sort(), ['error', 'errorCode', 'message', 'statusCode']);
  assert.equal(result.body.statusCode, status);
  assert.equal(result.body.error, reasons[status]);
  assert.equal(result.body.errorCode, errorCode);
  if (message) assert.match(result.body.message, message);
}

const ids = (events: LogEvent[]) => events.map((e) => e.log_id);

describe('attack-protection settings', () => {
  let rig: Rig;
  const DEFAULT_BRUTE_FORCE = {
    enabled: true,
    shields: ['block'],
    allowlist: [],
    mode: 'count_per_identifier',
    max_attempts: 7,
  };
  // 40 codes per IP per hour: one more every 90 s.
  const STAGE = { max_attempts: 40, rate: 90_000 };
  const DEFAULT_THROTTLING = {
    enabled: true,
    shields: ['block'],
    allowlist: [],
    stage: { 'pre-login': STAGE, 'pre-user-registration': STAGE },
  };

  before(async () => {
    rig = await Rig.start({
      limits: { failuresBeforeBlock: 7, startsPerIpWithoutSecret: 40, startsPerIpWindowSeconds: 3600 },
    });
  });
  after(() => rig.close());

  it("answer Auth0's shapes, with defaults taken from the configured limits", async () => {
    const bruteForce = await rig.api('GET', BRUTE_FORCE);
    assert.equal(bruteForce.status, 200);
    assert.deepEqual(bruteForce.body, DEFAULT_BRUTE_FORCE);
    const throttling = await rig.api('GET', THROTTLING);
    assert.equal(throttling.status, 200);
    assert.deepEqual(throttling.body, DEFAULT_THROTTLING);
  });

  it('PATCH merges: the fields (and stage fields) a PATCH leaves out keep their values', async () => {
    try {
      let patched = await rig.api('PATCH', BRUTE_FORCE, { max_attempts: 4 });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body, { ...DEFAULT_BRUTE_FORCE, max_attempts: 4 });
      const allowlist = ['198.51.100.0/24', '2001:db8::1', '2001:db8:ab::/48'];
      patched = await rig.api('PATCH', BRUTE_FORCE, { allowlist, mode: 'count_per_identifier_and_ip' });
      const bruteForce = {
        ...DEFAULT_BRUTE_FORCE,
        max_attempts: 4,
        allowlist,
        mode: 'count_per_identifier_and_ip',
      };
      assert.deepEqual(patched.body, bruteForce);
      assert.deepEqual((await rig.api('GET', BRUTE_FORCE)).body, bruteForce);

      patched = await rig.api('PATCH', THROTTLING, { stage: { 'pre-login': { max_attempts: 20 } } });
      assert.equal(patched.status, 200, patched.text);
      const stage = { 'pre-login': { max_attempts: 20, rate: STAGE.rate }, 'pre-user-registration': STAGE };
      assert.deepEqual(patched.body, { ...DEFAULT_THROTTLING, stage });
      patched = await rig.api('PATCH', THROTTLING, { stage: { 'pre-user-registration': { rate: 1200 } } });
      const stage2 = { ...stage, 'pre-user-registration': { max_attempts: STAGE.max_attempts, rate: 1200 } };
      assert.deepEqual(patched.body, { ...DEFAULT_THROTTLING, stage: stage2 });
      patched = await rig.api('PATCH', THROTTLING, { enabled: false, shields: ['admin_notification'] });
      const throttling = {
        ...DEFAULT_THROTTLING,
        enabled: false,
        shields: ['admin_notification'],
        stage: stage2,
      };
      assert.deepEqual(patched.body, throttling);
      assert.deepEqual((await rig.api('GET', THROTTLING)).body, throttling);
    } finally {
      await rig.api('PATCH', BRUTE_FORCE, DEFAULT_BRUTE_FORCE);
      await rig.api('PATCH', THROTTLING, DEFAULT_THROTTLING);
    }
  });

  it("refuses invalid bodies with Auth0's management error, and changes nothing", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      [BRUTE_FORCE, { shields: ['captcha'] }, /shields/],
      [BRUTE_FORCE, { shields: ['admin_notification'] }, /shields/],
      [BRUTE_FORCE, { max_attempts: 0 }, /max_attempts/],
      [BRUTE_FORCE, { max_attempts: 2.5 }, /max_attempts/],
      [BRUTE_FORCE, { allowlist: ['not-an-ip'] }, /"not-an-ip" is not an IP address/],
      [BRUTE_FORCE, { allowlist: ['198.51.100.7', '10.0.0.0/33'] }, /allowlist\[1\]/],
      [BRUTE_FORCE, { mode: 'count_per_ip' }, /mode/],
      [BRUTE_FORCE, { enabled: 'yes' }, /enabled/],
      [BRUTE_FORCE, { enabled: true, block_minutes: 5 }, /Additional properties not allowed: block_minutes/],
      [THROTTLING, { shields: ['user_notification'] }, /shields/],
      [THROTTLING, { allowlist: ['not-an-ip'] }, /"not-an-ip" is not an IP address/],
      [THROTTLING, { stage: { 'pre-login': { max_attempts: 0 } } }, /max_attempts/],
      [THROTTLING, { stage: { 'pre-login': { rate: 1 } } }, /rate/],
      [THROTTLING, { stage: { 'pre-login': { max_attempts: 5, burst: 2 } } }, /not allowed: burst/],
      [THROTTLING, { stage: { 'pre-signup': { max_attempts: 5 } } }, /not allowed: pre-signup/],
      [THROTTLING, { extra: true }, /not allowed: extra/],
    ];
    for (const [path, json, message] of cases) {
      const result = await rig.api('PATCH', path, json);
      assertManagementError(result, 400, 'invalid_body', message);
    }
    const broken = await rig.server.call('PATCH', BRUTE_FORCE, { token: rig.token, raw: '{"enabled": tru' });
    assertManagementError(broken, 400, 'invalid_body');
    assert.deepEqual((await rig.api('GET', BRUTE_FORCE)).body, DEFAULT_BRUTE_FORCE);
    assert.deepEqual((await rig.api('GET', THROTTLING)).body, DEFAULT_THROTTLING);
  });

  it('need a token with read:attack_protection to read and update:attack_protection to change', async () => {
    const readOnly = await scopedToken(rig.server, 'read:attack_protection');
    const updateOnly = await scopedToken(rig.server, 'update:attack_protection');
    const other = await scopedToken(rig.server, 'read:logs read:users update:users');
    for (const path of [BRUTE_FORCE, THROTTLING, THROTTLES]) {
      assertManagementError(await rig.server.call('GET', path), 401, 'missing_authentication');
      assertManagementError(
        await rig.server.call('GET', path, { token: 'not-a-token' }),
        401,
        'invalid_token',
      );
      assertManagementError(
        await rig.server.call('GET', path, { token: other }),
        403,
        'insufficient_scope',
        /read:attack_protection/,
      );
      assertManagementError(
        await rig.server.call('GET', path, { token: updateOnly }),
        403,
        'insufficient_scope',
      );
      assert.equal((await rig.server.call('GET', path, { token: readOnly })).status, 200);
    }
    for (const path of [BRUTE_FORCE, THROTTLING]) {
      assertManagementError(
        await rig.server.call('PATCH', path, { json: { enabled: true } }),
        401,
        'missing_authentication',
      );
      assertManagementError(
        await rig.server.call('PATCH', path, { token: readOnly, json: { enabled: false } }),
        403,
        'insufficient_scope',
        /update:attack_protection/,
      );
      const allowed = await rig.server.call('PATCH', path, { token: updateOnly, json: { enabled: true } });
      assert.equal(allowed.status, 200, allowed.text);
    }
    assertManagementError(
      await rig.server.call('DELETE', `${THROTTLES}/prefix/+1415555`, { token: readOnly }),
      403,
      'insufficient_scope',
    );
    assert.deepEqual((await rig.api('GET', BRUTE_FORCE)).body, DEFAULT_BRUTE_FORCE);
  });

  it('max_attempts decides after how many wrong codes a phone is blocked', async () => {
    try {
      await rig.setBruteForce({ max_attempts: 2 });
      const phone = '+14155550201';
      const code = await rig.sendCode(phone);
      assert.equal((await rig.login(phone, '000000')).status, 403);
      assert.equal((await rig.login(phone, '000000')).status, 403);
      // Blocked now: even the right code is refused, and no new code is sent.
      const refused = await rig.login(phone, code);
      assert.equal(refused.status, 429, refused.text);
      assert.equal(refused.body.error, 'too_many_attempts');
      const start = await rig.start(phone);
      assert.equal(start.status, 429);
      assert.equal(start.body.error, 'too_many_attempts');
      const [blocked, ...others] = await rig.log(
        `&q=${encodeURIComponent(`type:limit_wc AND user_name:"${phone}"`)}`,
      );
      assert.equal(others.length, 0);
      assert.equal(blocked?.connection, 'sms');
      assert.deepEqual(blocked?.details, { rule: 'brute_force_protection' });

      // Back at 7: two wrong codes block nobody.
      await rig.setBruteForce({ max_attempts: 7 });
      const other = '+14155550202';
      const otherCode = await rig.sendCode(other);
      assert.equal((await rig.login(other, '000000')).status, 403);
      assert.equal((await rig.login(other, '000000')).status, 403);
      assert.equal((await rig.login(other, otherCode)).status, 200);
    } finally {
      await rig.setBruteForce(DEFAULT_BRUTE_FORCE);
    }
  });

  it("lowering max_attempts below a phone's failures blocks it at its next wrong code, and logs the block", async () => {
    try {
      const phone = '+14155550203';
      await rig.sendCode(phone);
      for (let miss = 0; miss < 3; miss++) assert.equal((await rig.login(phone, '000000')).status, 403);
      await rig.setBruteForce({ max_attempts: 2 });
      const code = await rig.sendCode(phone);
      assert.equal((await rig.login(phone, '000000')).status, 403);
      assert.equal((await rig.login(phone, code)).status, 429);
      const blocks = await rig.log(`&type=limit_wc&phone_number=${encodeURIComponent(phone)}`);
      assert.equal(blocks.length, 1, 'the block is in the security log');
    } finally {
      await rig.setBruteForce(DEFAULT_BRUTE_FORCE);
    }
  });

  it('enabled: false or no block shield blocks nobody; allowlisted IPs are not counted', async () => {
    const missAndLogIn = async (phone: string, misses: number, ip?: string) => {
      for (let miss = 0; miss < misses; miss++) {
        if (miss % 3 === 0) await rig.sendCode(phone, ip);
        const login = await rig.login(phone, '000000', ip);
        assert.equal(login.status, 403, `miss ${miss + 1}: ${login.text}`);
      }
      const login = await rig.login(phone, await rig.sendCode(phone, ip), ip);
      assert.equal(login.status, 200, login.text);
    };
    try {
      await rig.setBruteForce({ max_attempts: 2, enabled: false });
      await missAndLogIn('+14155550211', 4);
      await rig.setBruteForce({ enabled: true, shields: ['user_notification'] });
      await missAndLogIn('+14155550212', 4);
      await rig.setBruteForce({ shields: ['block', 'user_notification'], allowlist: ['198.51.100.0/24'] });
      await missAndLogIn('+14155550213', 4, '198.51.100.20');
      // The same settings block a caller outside the allowlist.
      await rig.blockFrom('+14155550214', '203.0.113.20');
      assert.equal((await rig.start('+14155550214', '203.0.113.20')).status, 429);
    } finally {
      await rig.setBruteForce(DEFAULT_BRUTE_FORCE);
    }
  });

  it('suspicious IP throttling: a stage decides how many codes one IP may ask', async () => {
    try {
      // Two signups per IP, one more every 30 minutes.
      const patched = await rig.api('PATCH', THROTTLING, {
        stage: { 'pre-user-registration': { max_attempts: 2, rate: 1_800_000 } },
      });
      assert.equal(patched.status, 200, patched.text);
      const ip = '192.0.2.10';
      assert.equal((await rig.start('+14155550221', ip)).status, 200);
      assert.equal((await rig.start('+14155550222', ip)).status, 200);
      const third = await rig.start('+14155550223', ip);
      assert.equal(third.status, 429, third.text);
      assert.equal(third.body.error, 'too_many_requests');
      assert.equal((await rig.start('+14155550223', '192.0.2.11')).status, 200);
      const [throttled] = await rig.log('&type=limit_mu');
      assert.equal(throttled?.ip, ip);
      assert.equal(throttled?.user_name, '+14155550223');
      assert.deepEqual(throttled?.details, { rule: 'suspicious_ip_throttling' });

      await rig.api('PATCH', THROTTLING, { allowlist: [ip] });
      assert.equal((await rig.start('+14155550224', ip)).status, 200);
      await rig.api('PATCH', THROTTLING, { allowlist: [], enabled: false });
      assert.equal((await rig.start('+14155550225', ip)).status, 200);
      await rig.api('PATCH', THROTTLING, { enabled: true });
      assert.equal((await rig.start('+14155550226', ip)).status, 429);
    } finally {
      await rig.api('PATCH', THROTTLING, DEFAULT_THROTTLING);
    }
  });
});

describe('user blocks', () => {
  let rig: Rig;
  let blockedUntil: string;

  before(async () => {
    rig = await Rig.start();
    await rig.setBruteForce({ max_attempts: 3 });
    blockedUntil = new Date(
      rig.server.clock.now() + rig.server.config.limits.blockSeconds * 1000,
    ).toISOString();
  });
  after(() => rig.close());

  it('GET ?identifier= lists the blocks of a phone, however the + arrives', async () => {
    const phone = '+14155550301';
    await blockPhone(rig.server, rig.clientId, phone);
    const expected = { blocked_for: [{ identifier: phone, connection: 'sms', blocked_until: blockedUntil }] };
    assert.deepEqual(await rig.blocks(phone), expected);
    assert.deepEqual(await rig.blocks(phone, '&consider_brute_force_enablement=true'), expected);
    // An unencoded + arrives as a space.
    const plain = await rig.api('GET', `/api/v2/user-blocks?identifier=${phone}`);
    assert.deepEqual(plain.body, expected);
  });

  it('DELETE ?identifier= lifts the block: the phone gets a code and logs in, and ublkdu is logged', async () => {
    const phone = '+14155550302';
    await blockPhone(rig.server, rig.clientId, phone);
    assert.equal((await rig.start(phone)).status, 429);
    const lifted = await rig.api('DELETE', `/api/v2/user-blocks?identifier=${encodeURIComponent(phone)}`);
    assert.equal(lifted.status, 204, lifted.text);
    assert.equal(lifted.text, '');
    assert.deepEqual(await rig.blocks(phone), { blocked_for: [] });
    assert.equal((await rig.login(phone, await rig.sendCode(phone))).status, 200);

    const events = await rig.log(`&type=ublkdu&phone_number=${encodeURIComponent(phone)}`);
    assert.equal(events.length, 1);
    const [event] = events as [LogEvent];
    assert.equal(event.type, 'ublkdu');
    assert.equal(event.user_name, phone);
    assert.equal(event.connection, 'sms');
    assert.equal(event.connection_id, rig.connectionId);
    assert.deepEqual(event.details, { blocked_until: blockedUntil });
    // Lifting again finds nothing to lift and logs nothing.
    const again = await rig.api('DELETE', `/api/v2/user-blocks?identifier=${encodeURIComponent(phone)}`);
    assert.equal(again.status, 204);
    assert.equal((await rig.log(`&type=ublkdu&phone_number=${encodeURIComponent(phone)}`)).length, 1);
  });

  it("GET and DELETE /api/v2/user-blocks/{user_id}: a user's blocks", async () => {
    const phone = '+14155550303';
    const userId = await rig.signIn(phone);
    await blockPhone(rig.server, rig.clientId, phone);
    const path = `/api/v2/user-blocks/${encodeURIComponent(userId)}`;
    const listed = await rig.api('GET', path);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body, {
      blocked_for: [{ identifier: phone, connection: 'sms', blocked_until: blockedUntil }],
    });
    const lifted = await rig.api('DELETE', path);
    assert.equal(lifted.status, 204, lifted.text);
    assert.deepEqual((await rig.api('GET', path)).body, { blocked_for: [] });
    assert.equal(await rig.signIn(phone), userId);
    const [event] = await rig.log(`&type=ublkdu&user_id=${encodeURIComponent(userId)}`);
    assert.equal(event?.user_name, phone);
  });

  it('an unknown phone or no phone at all has no blocks; an unknown user is a 404', async () => {
    assert.deepEqual(await rig.blocks('+14155550399'), { blocked_for: [] });
    assert.deepEqual(await rig.blocks('alice@example.com'), { blocked_for: [] });
    for (const id of ['sms|000000000000000000000000', 'auth0|abc', 'sms|not-hex']) {
      const path = `/api/v2/user-blocks/${encodeURIComponent(id)}`;
      assertManagementError(await rig.api('GET', path), 404, 'inexistent_user');
      assertManagementError(await rig.api('DELETE', path), 404, 'inexistent_user');
    }
    assertManagementError(
      await rig.api('GET', '/api/v2/user-blocks'),
      400,
      'invalid_query_string',
      /identifier/,
    );
  });

  it('consider_brute_force_enablement=true lists nothing while brute-force protection does not block', async () => {
    const phone = '+14155550304';
    const userId = await rig.signIn(phone);
    await blockPhone(rig.server, rig.clientId, phone);
    const block = { blocked_for: [{ identifier: phone, connection: 'sms', blocked_until: blockedUntil }] };
    const byUser = (query: string) =>
      rig.api(
        'GET',
        `/api/v2/user-blocks/${encodeURIComponent(userId)}?consider_brute_force_enablement=${query}`,
      );
    try {
      for (const settings of [{ enabled: false }, { enabled: true, shields: ['user_notification'] }]) {
        await rig.setBruteForce(settings);
        assert.deepEqual(await rig.blocks(phone, '&consider_brute_force_enablement=true'), {
          blocked_for: [],
        });
        assert.deepEqual((await byUser('true')).body, { blocked_for: [] });
        // The block is still stored, and listed when the settings are not considered.
        assert.deepEqual(await rig.blocks(phone), block);
        assert.deepEqual(await rig.blocks(phone, '&consider_brute_force_enablement=false'), block);
        assert.deepEqual((await byUser('false')).body, block);
        // ...but not enforced: the phone gets a code.
        assert.equal((await rig.start(phone)).status, 200);
      }
      await rig.setBruteForce({ enabled: true, shields: ['block'] });
      assert.deepEqual(await rig.blocks(phone, '&consider_brute_force_enablement=true'), block);
      assert.equal((await rig.start(phone)).status, 429);
    } finally {
      await rig.setBruteForce({ enabled: true, shields: ['block'] });
    }
  });

  it('listing needs read:users and lifting update:users', async () => {
    const phone = '+14155550305';
    await blockPhone(rig.server, rig.clientId, phone);
    const path = `/api/v2/user-blocks?identifier=${encodeURIComponent(phone)}`;
    const read = await scopedToken(rig.server, 'read:users');
    const update = await scopedToken(rig.server, 'update:users');
    assertManagementError(await rig.server.call('GET', path), 401, 'missing_authentication');
    assertManagementError(await rig.server.call('DELETE', path), 401, 'missing_authentication');
    assertManagementError(await rig.server.call('GET', path, { token: update }), 403, 'insufficient_scope');
    assertManagementError(await rig.server.call('DELETE', path, { token: read }), 403, 'insufficient_scope');
    assert.equal(((await rig.blocks(phone)) as { blocked_for: unknown[] }).blocked_for.length, 1);
    assert.equal((await rig.server.call('GET', path, { token: read })).status, 200);
    assert.equal((await rig.server.call('DELETE', path, { token: update })).status, 204);
    assert.deepEqual(await rig.blocks(phone), { blocked_for: [] });
  });

  it('in mode count_per_identifier_and_ip a block names its IP and holds only there', async () => {
    try {
      await rig.setBruteForce({ mode: 'count_per_identifier_and_ip' });
      const phone = '+14155550306';
      await rig.blockFrom(phone, '198.51.100.7');
      // An IPv6 caller is blocked for its whole /64.
      await rig.blockFrom(phone, '2001:db8:1:2::5');
      const listed = (await rig.blocks(phone)) as { blocked_for: Array<Record<string, string>> };
      const byIp = [...listed.blocked_for].sort((a, b) => String(a.ip).localeCompare(String(b.ip)));
      assert.deepEqual(byIp, [
        { identifier: phone, ip: '198.51.100.7', connection: 'sms', blocked_until: blockedUntil },
        { identifier: phone, ip: '2001:db8:1:2::/64', connection: 'sms', blocked_until: blockedUntil },
      ]);
      assert.equal((await rig.start(phone, '198.51.100.7')).status, 429);
      assert.equal((await rig.start(phone, '2001:db8:1:2::99')).status, 429);
      // From elsewhere the phone gets its code and logs in.
      assert.equal(
        (await rig.login(phone, await rig.sendCode(phone, '203.0.113.9'), '203.0.113.9')).status,
        200,
      );

      const lifted = await rig.api('DELETE', `/api/v2/user-blocks?identifier=${encodeURIComponent(phone)}`);
      assert.equal(lifted.status, 204);
      assert.deepEqual(await rig.blocks(phone), { blocked_for: [] });
      assert.equal((await rig.start(phone, '198.51.100.7')).status, 200);
      assert.equal((await rig.log(`&type=ublkdu&phone_number=${encodeURIComponent(phone)}`)).length, 2);
    } finally {
      await rig.setBruteForce({ mode: 'count_per_identifier' });
    }
  });
});

describe('the security log: GET /api/v2/logs', () => {
  let rig: Rig;
  const alice = '+14155550401';
  const bob = '+14155550402';
  const blocked = '+14155550403';
  const wrongGuess = '987650';
  const codes: string[] = [];
  let t0: number;
  let all: LogEvent[];

  // In order, one second apart: a code for alice, her signup and login, a new code and a wrong
  // guess from another IP, a code for bob, and a phone blocked after two wrong codes.
  before(async () => {
    rig = await Rig.start();
    const clock = rig.server.clock;
    t0 = clock.now();
    codes.push(await rig.sendCode(alice, '198.51.100.1'));
    clock.advance(1000);
    assert.equal((await rig.login(alice, codes[0] as string, '198.51.100.1')).status, 200);
    clock.advance(1000);
    codes.push(await rig.sendCode(alice, '198.51.100.2'));
    assert.equal((await rig.login(alice, wrongGuess, '198.51.100.2')).status, 403);
    clock.advance(1000);
    codes.push(await rig.sendCode(bob, '203.0.113.50'));
    clock.advance(1000);
    await rig.setBruteForce({ max_attempts: 2 });
    codes.push(await rig.sendCode(blocked, '203.0.113.51'));
    for (let miss = 0; miss < 2; miss++) await rig.login(blocked, '000000', '203.0.113.51');
    all = await rig.log();
  });
  after(() => rig.close());

  const find = (type: string, phone: string) => {
    const event = all.find((e) => e.type === type && e.user_name === phone);
    assert.ok(event, `a ${type} event for ${phone}`);
    return event;
  };

  it("records codes sent, signups, logins, wrong codes and blocks in Auth0's log shape", async () => {
    assert.deepEqual(
      all.map((e) => `${e.type} ${e.user_name}`),
      [
        `limit_wc ${blocked}`,
        `fp ${blocked}`,
        `fp ${blocked}`,
        `cls ${blocked}`,
        `cls ${bob}`,
        `fp ${alice}`,
        `cls ${alice}`,
        `s ${alice}`,
        `ss ${alice}`,
        `cls ${alice}`,
      ],
    );
    const common = {
      client_id: rig.clientId,
      client_name: 'My App',
      connection: 'sms',
      connection_id: rig.connectionId,
      user_agent: 'otpline-tests/1.0',
      strategy: 'sms',
      strategy_type: 'passwordless',
      hostname: 'localhost',
    };
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    const without = ({ log_id, description, ...rest }: LogEvent) => {
      assert.match(log_id, /^[0-9A-Za-z]{24}$/);
      assert.equal(typeof description, 'string');
      assert.notEqual(description, '');
      return rest;
    };
    const user = find('s', alice).user_id;
    assert.match(String(user), /^sms\|[0-9a-f]{24}$/);
    const fromAlice = { ...common, user_name: alice };
    assert.deepEqual(without(all[9] as LogEvent), {
      ...fromAlice,
      type: 'cls',
      date: at(0),
      ip: '198.51.100.1',
      details: {},
    });
    for (const type of ['ss', 's']) {
      assert.deepEqual(without(find(type, alice)), {
        ...fromAlice,
        type,
        date: at(1),
        ip: '198.51.100.1',
        user_id: user,
        details: {},
      });
    }
    assert.deepEqual(without(find('fp', alice)), {
      ...fromAlice,
      type: 'fp',
      date: at(2),
      ip: '198.51.100.2',
      details: {},
    });
    assert.deepEqual(without(find('limit_wc', blocked)), {
      ...common,
      user_name: blocked,
      type: 'limit_wc',
      date: at(4),
      ip: '203.0.113.51',
      details: { rule: 'brute_force_protection' },
    });
  });

  it('lists newest first; sort=date:1 lists oldest first, events of one millisecond in their order', async () => {
    const dates = all.map((e) => Date.parse(e.date));
    assert.deepEqual(
      dates,
      [...dates].sort((a, b) => b - a),
    );
    assert.deepEqual(ids(await rig.log('&sort=date:-1')), ids(all));
    const oldest = await rig.log('&sort=date:1');
    assert.deepEqual(ids(oldest), ids(all).reverse());
    assert.deepEqual(
      oldest.filter((e) => e.user_name === alice).map((e) => e.type),
      ['cls', 'ss', 's', 'cls', 'fp'],
    );
    assertManagementError(await rig.api('GET', '/api/v2/logs?sort=user_name:1'), 400, 'invalid_query_string');
  });

  it('q filters by type, phone, IP, client, connection, user and date', async () => {
    const userId = find('s', alice).user_id;
    const t2 = new Date(t0 + 2000).toISOString();
    const cases: Array<[string, (e: LogEvent) => boolean]> = [
      ['type:fp', (e) => e.type === 'fp'],
      ['type:"fp"', (e) => e.type === 'fp'],
      ['type:(fp OR cls)', (e) => e.type === 'fp' || e.type === 'cls'],
      [`user_name:"${alice}"`, (e) => e.user_name === alice],
      [`phone_number:"${bob}"`, (e) => e.user_name === bob],
      ['ip:198.51.100.2', (e) => e.ip === '198.51.100.2'],
      [`client_id:${rig.clientId}`, () => true],
      ['client_id:someone-else', () => false],
      ['connection:sms', () => true],
      [`user_id:"${userId}"`, (e) => e.user_id === userId],
      [`date:[${t2} TO *]`, (e) => Date.parse(e.date) >= t0 + 2000],
      [`date:[* TO ${t2}]`, (e) => Date.parse(e.date) <= t0 + 2000],
      [
        `date:[${new Date(t0 + 1000).toISOString()} TO ${t2}]`,
        (e) => [1000, 2000].includes(Date.parse(e.date) - t0),
      ],
      [`date:"${t2}"`, (e) => Date.parse(e.date) === t0 + 2000],
      // A bare day is the whole (UTC) day.
      [`date:${t2.slice(0, 10)}`, (e) => e.date.startsWith(t2.slice(0, 10))],
      [`type:cls AND user_name:"${alice}"`, (e) => e.type === 'cls' && e.user_name === alice],
      [
        `type:(fp OR limit_wc) ip:203.0.113.51`,
        (e) => ['fp', 'limit_wc'].includes(e.type) && e.ip === '203.0.113.51',
      ],
    ];
    for (const [q, keep] of cases) {
      const expected = all.filter(keep);
      const found = await rig.log(`&q=${encodeURIComponent(q)}`);
      assert.deepEqual(ids(found), ids(expected), q);
    }
    // The filters are not vacuous: each of these keeps some events and leaves some out.
    for (const [, keep] of cases.slice(0, 6)) {
      const kept = all.filter(keep).length;
      assert.ok(kept > 0 && kept < all.length);
    }
  });

  it('otpline also takes type, phone_number, ip, client_id, connection and user_id as plain parameters', async () => {
    const cases: Array<[string, (e: LogEvent) => boolean]> = [
      ['type=fp', (e) => e.type === 'fp'],
      ['type=fp,cls', (e) => e.type === 'fp' || e.type === 'cls'],
      [`phone_number=${encodeURIComponent(alice)}`, (e) => e.user_name === alice],
      ['phone_number=not-a-phone', () => false],
      ['ip=203.0.113.50', (e) => e.ip === '203.0.113.50'],
      [`client_id=${rig.clientId}`, () => true],
      ['connection=other', () => false],
      [`type=cls&phone_number=${encodeURIComponent(bob)}`, (e) => e.type === 'cls' && e.user_name === bob],
      // auth0 v7's ManagementClient names q `search`.
      [`search=${encodeURIComponent('type:(fp OR limit_wc)')}`, (e) => ['fp', 'limit_wc'].includes(e.type)],
    ];
    for (const [query, keep] of cases) {
      assert.deepEqual(ids(await rig.log(`&${query}`)), ids(all.filter(keep)), query);
    }
  });

  it('include_totals wraps the page with start, limit, length and total; page and per_page page', async () => {
    const wrapped = await rig.api('GET', '/api/v2/logs?include_totals=true');
    assert.equal(wrapped.status, 200);
    assert.deepEqual(Object.keys(wrapped.body).sort(), ['length', 'limit', 'logs', 'start', 'total']);
    assert.deepEqual(
      { ...wrapped.body, logs: ids(wrapped.body.logs) },
      { logs: ids(all), start: 0, limit: 50, length: all.length, total: all.length },
    );
    const second = await rig.api('GET', '/api/v2/logs?include_totals=true&page=1&per_page=3&type=cls,fp');
    const matching = all.filter((e) => e.type === 'cls' || e.type === 'fp');
    assert.deepEqual(
      { ...second.body, logs: ids(second.body.logs) },
      { logs: ids(matching.slice(3, 6)), start: 3, limit: 3, length: 3, total: matching.length },
    );
    const walked: string[] = [];
    for (let page = 0; page < 10; page++) {
      const result = await rig.api('GET', `/api/v2/logs?per_page=4&page=${page}`);
      if (result.body.length === 0) break;
      walked.push(...ids(result.body));
    }
    assert.deepEqual(walked, ids(all));
    assertManagementError(await rig.api('GET', '/api/v2/logs?per_page=101'), 400, 'invalid_query_string');
  });

  it('fields with include_fields keeps only, or leaves out, the named fields', async () => {
    const only = await rig.log('&fields=type,user_name&include_fields=true');
    assert.deepEqual(
      only,
      all.map((e) => ({ type: e.type, user_name: e.user_name })),
    );
    const implicit = await rig.log('&fields=log_id');
    assert.deepEqual(
      implicit,
      all.map((e) => ({ log_id: e.log_id })),
    );
    const leftOut = await rig.log('&fields=ip,user_agent,details&include_fields=false');
    assert.deepEqual(
      leftOut,
      all.map(({ ip, user_agent, details, ...rest }) => rest),
    );
  });

  it('checkpoint paging: from=<log_id>&take=N gives the events after it, oldest first, each once', async () => {
    const oldestFirst = [...all].reverse();
    const [first, second, third] = oldestFirst as [LogEvent, LogEvent, LogEvent];
    const page = await rig.api('GET', `/api/v2/logs?from=${first.log_id}&take=2`);
    assert.equal(page.status, 200, page.text);
    assert.ok(Array.isArray(page.body));
    assert.deepEqual(page.body, [second, third]);

    const walked: string[] = [];
    let checkpoint = first.log_id;
    for (let round = 0; round < 20; round++) {
      const result = await rig.api('GET', `/api/v2/logs?from=${checkpoint}&take=3`);
      if (result.body.length === 0) break;
      walked.push(...ids(result.body));
      checkpoint = result.body.at(-1).log_id;
    }
    assert.deepEqual(walked, ids(oldestFirst.slice(1)));
    // A new event appears after the last checkpoint, and only there.
    await rig.start(bob, '203.0.113.50');
    const next = await rig.api('GET', `/api/v2/logs?from=${checkpoint}&take=100`);
    assert.deepEqual(
      next.body.map((e: LogEvent) => `${e.type} ${e.user_name}`),
      [`cls ${bob}`],
    );
    const newest = await rig.api('GET', '/api/v2/logs?per_page=1');
    assert.equal(newest.body[0].log_id, next.body[0].log_id);
    all = await rig.log();
  });

  it('a q it cannot read is a 400 invalid_query_string', async () => {
    for (const q of [
      'foo:bar',
      'type:(fp OR cls',
      'type:fp)',
      'user_name:"+14155550401',
      'type:fp OR type:cls',
      'NOT type:fp',
      'fp',
      'date:[yesterday TO *]',
      'date:not-a-date',
      'ip:(198.51.100.1 OR 198.51.100.2)',
      'type:(fp OR)',
    ]) {
      const result = await rig.api('GET', `/api/v2/logs?q=${encodeURIComponent(q)}`);
      assertManagementError(result, 400, 'invalid_query_string', /^Invalid query: /);
    }
  });

  it('GET /api/v2/logs/{id} answers one event, and 404 for an unknown id', async () => {
    for (const event of all.slice(0, 4)) {
      const one = await rig.api('GET', `/api/v2/logs/${event.log_id}`);
      assert.equal(one.status, 200, one.text);
      assert.deepEqual(one.body, event);
    }
    assertManagementError(
      await rig.api('GET', '/api/v2/logs/000000000000000000000000'),
      404,
      'inexistent_log',
    );
  });

  it('holds no code, typed guess or secret anywhere', async () => {
    const text = JSON.stringify(await rig.log());
    assert.equal(codes.length, 4);
    for (const code of codes) assert.ok(!text.includes(code), `the code ${code} is in the log`);
    for (const sms of rig.sink.received) assert.ok(!text.includes(String(sms.body.body)));
    for (const secret of [wrongGuess, ADMIN.client_secret, GATEWAY_SECRET, rig.token])
      assert.ok(!text.includes(secret), 'a secret is in the log');
  });

  it('needs read:logs', async () => {
    const event = all[0] as LogEvent;
    const other = await scopedToken(rig.server, 'read:users read:attack_protection');
    const logs = await scopedToken(rig.server, 'read:logs');
    for (const path of ['/api/v2/logs', `/api/v2/logs/${event.log_id}`]) {
      assertManagementError(await rig.server.call('GET', path), 401, 'missing_authentication');
      assertManagementError(
        await rig.server.call('GET', path, { token: other }),
        403,
        'insufficient_scope',
        /read:logs/,
      );
      assert.equal((await rig.server.call('GET', path, { token: logs })).status, 200);
    }
  });
});

describe('security log retention', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({ logs: { retentionDays: 2 } });
  });
  after(() => rig.close());

  it('cleanUp forgets events older than logs.retentionDays and keeps the rest', async () => {
    const { server } = rig;
    await rig.sendCode('+14155550501');
    const [old] = await rig.log();
    server.clock.advance(DAY);
    await rig.sendCode('+14155550502');
    server.clock.advance(DAY + 1);
    await rig.sendCode('+14155550503');
    await rig.renewToken();
    await cleanUp(server.services, server.config, server.clock);
    const kept = await rig.log();
    assert.deepEqual(
      kept.map((e) => e.user_name),
      ['+14155550503', '+14155550502'],
    );
    assertManagementError(await rig.api('GET', `/api/v2/logs/${old?.log_id}`), 404, 'inexistent_log');
    // Two days later than that, only the newest is left.
    server.clock.advance(DAY);
    await rig.renewToken();
    await cleanUp(server.services, server.config, server.clock);
    assert.deepEqual(
      (await rig.log()).map((e) => e.user_name),
      ['+14155550503'],
    );
  });
});

describe('throttles: /api/v2/attack-protection/throttles', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.close());

  it('lists the active throttles and lifts one; an unknown or expired throttle is a 404', async () => {
    const { server } = rig;
    assert.deepEqual((await rig.api('GET', THROTTLES)).body, []);
    assertManagementError(
      await rig.api('DELETE', `${THROTTLES}/prefix/+1415555`),
      404,
      'inexistent_throttle',
    );
    assertManagementError(await rig.api('DELETE', `${THROTTLES}/range/+1415555`), 400, 'invalid_uri');

    const now = server.clock.now();
    const flag = (scope: 'prefix' | 'country', key: string, minutes: number) => ({
      scope,
      key,
      rule: 'conversion',
      reason: '1 of 40 codes sent in the last hour were used (below 20%)',
      created_at: now,
      until: now + minutes * 60_000,
    });
    await server.services.stores.abuse.raiseFlag(flag('prefix', '+8823456', 60));
    server.clock.advance(1000);
    await server.services.stores.abuse.raiseFlag({ ...flag('country', 'GB', 30), created_at: now + 1000 });
    const iso = (ms: number) => new Date(ms).toISOString();
    const listed = await rig.api('GET', THROTTLES);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [
      {
        scope: 'country',
        key: 'GB',
        rule: 'conversion',
        reason: flag('country', 'GB', 30).reason,
        created_at: iso(now + 1000),
        until: iso(now + 30 * 60_000),
      },
      {
        scope: 'prefix',
        key: '+8823456',
        rule: 'conversion',
        reason: flag('prefix', '+8823456', 60).reason,
        created_at: iso(now),
        until: iso(now + 60 * 60_000),
      },
    ]);

    const lifted = await rig.api('DELETE', `${THROTTLES}/prefix/${encodeURIComponent('+8823456')}`);
    assert.equal(lifted.status, 204, lifted.text);
    assert.deepEqual(
      (await rig.api('GET', THROTTLES)).body.map((t: { key: string }) => t.key),
      ['GB'],
    );
    assertManagementError(
      await rig.api('DELETE', `${THROTTLES}/prefix/${encodeURIComponent('+8823456')}`),
      404,
      'inexistent_throttle',
    );

    // Once its time is up, a throttle is neither listed nor lifted.
    server.clock.advance(30 * 60_000);
    assert.deepEqual((await rig.api('GET', THROTTLES)).body, []);
    assertManagementError(await rig.api('DELETE', `${THROTTLES}/country/GB`), 404, 'inexistent_throttle');
  });
});

// The official Management SDK, unmodified, against otpline over HTTPS (the runner trusts the test CA).
describe('attack protection through the auth0 v7 ManagementClient', () => {
  let rig: Rig;
  let management: ManagementClient;

  before(async () => {
    rig = await Rig.start({
      tls: { cert: join(certs, 'localhost.pem'), key: join(certs, 'localhost-key.pem') },
      limits: { failuresBeforeBlock: 3 },
    });
    management = new ManagementClient({
      domain: `localhost:${rig.server.config.port}`,
      clientId: ADMIN.client_id,
      clientSecret: ADMIN.client_secret,
    });
  });
  after(() => rig.close());

  it('attackProtection.bruteForceProtection and suspiciousIpThrottling: get and update', async () => {
    const bruteForce = management.attackProtection.bruteForceProtection;
    const defaults = await bruteForce.get();
    assert.deepEqual(defaults, (await rig.api('GET', BRUTE_FORCE)).body);
    assert.equal(defaults.max_attempts, 3);
    const updated = await bruteForce.update({ max_attempts: 4, allowlist: ['198.51.100.0/24'] });
    assert.deepEqual(updated, { ...defaults, max_attempts: 4, allowlist: ['198.51.100.0/24'] });
    assert.deepEqual(await bruteForce.get(), updated);
    await assert.rejects(
      bruteForce.update({ allowlist: ['not-an-ip'] }),
      (err: unknown) =>
        err instanceof Management.BadRequestError &&
        err.statusCode === 400 &&
        (err.body as { errorCode?: string }).errorCode === 'invalid_body',
    );

    const throttling = management.attackProtection.suspiciousIpThrottling;
    const current = await throttling.get();
    assert.ok(current.stage?.['pre-login'] && current.stage['pre-user-registration']);
    const changed = await throttling.update({ stage: { 'pre-login': { max_attempts: 25 } } });
    assert.deepEqual(changed.stage, {
      ...current.stage,
      'pre-login': { ...current.stage['pre-login'], max_attempts: 25 },
    });
    assert.deepEqual(await throttling.get(), changed);
  });

  it('userBlocks: listByIdentifier, deleteByIdentifier, list and delete by user id', async () => {
    const phone = '+14155550601';
    await blockPhone(rig.server, rig.clientId, phone);
    const byPhone = await management.userBlocks.listByIdentifier({ identifier: phone });
    assert.equal(byPhone.blocked_for?.length, 1);
    assert.equal(byPhone.blocked_for?.[0]?.identifier, phone);
    assert.equal(byPhone.blocked_for?.[0]?.connection, 'sms');
    await management.userBlocks.deleteByIdentifier({ identifier: phone });
    assert.deepEqual(await management.userBlocks.listByIdentifier({ identifier: phone }), {
      blocked_for: [],
    });
    assert.equal((await rig.start(phone)).status, 200);

    const other = '+14155550602';
    const userId = await rig.signIn(other);
    await blockPhone(rig.server, rig.clientId, other);
    const byUser = await management.userBlocks.list(userId);
    assert.deepEqual(
      byUser.blocked_for?.map((b) => b.identifier),
      [other],
    );
    await management.userBlocks.delete(userId);
    assert.deepEqual(await management.userBlocks.list(userId, { consider_brute_force_enablement: true }), {
      blocked_for: [],
    });
    assert.equal(await rig.signIn(other), userId);
    await assert.rejects(
      management.userBlocks.list('sms|000000000000000000000000'),
      (err: unknown) => err instanceof Management.NotFoundError && err.statusCode === 404,
    );
  });

  it('logs.list with search, paging through every page, and logs.get', async () => {
    const phone = '+14155550603';
    await rig.sendCode(phone);
    assert.equal((await rig.login(phone, '000000')).status, 403);
    const everything = await rig.log();

    const fp = await management.logs.list({ search: 'type:fp' });
    const expected = everything.filter((e) => e.type === 'fp');
    assert.ok(expected.length > 0 && expected.length < everything.length);
    assert.deepEqual(
      fp.data.map((e) => e.log_id),
      ids(expected),
    );

    const walked: string[] = [];
    for await (const event of await management.logs.list({ per_page: 3 })) walked.push(String(event.log_id));
    assert.deepEqual(walked, ids(everything));

    const first = everything[0] as LogEvent;
    const one = await management.logs.get(first.log_id);
    assert.deepEqual(one, first);
    await assert.rejects(
      management.logs.get('000000000000000000000000'),
      (err: unknown) => err instanceof Management.NotFoundError,
    );
  });
});
