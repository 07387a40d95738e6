import type { BlockList } from 'node:net';
import type { Config } from '../config/schema.js';
import { CaptchaFailed, CountryNotAllowed, RateLimited } from '../errors.js';
import type { SecurityLog } from '../events/security-log.js';
import { EVENT_TYPES, type SecurityEvent } from '../events/types.js';
import { ipAllowed, networkList } from '../gateway/gateway-auth.js';
import type { Log } from '../observability/logger.js';
import { ipBucket } from '../otp/ip-bucket.js';
import type { RateLimiter } from '../otp/rate-limiter.js';
import type { AbuseStore, Scope } from '../store/abuse.js';
import type { ConnectionAbuseLimits } from '../store/connections.js';
import type { Clock } from '../util/clock.js';
import type { AttackProtection } from './attack-protection.js';
import type { CaptchaVerifier } from './captcha.js';
import { countryAllowed, numberRange } from './geo.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Who asks for a code, for whom, and through which connection. */
export interface StartContext {
  connection: { id: string; name: string; options: Record<string, unknown> };
  client: { client_id: string; name: string };
  phone: string;
  country: string | null;
  /** The caller proved its client secret (a backend). */
  authenticated: boolean;
  /** Per-IP rules apply: a public caller, or a backend naming its user's IP. */
  limitIp: boolean;
  /** The end user's IP: the caller's, or the one an authenticated backend names. */
  ip: string;
  userAgent: string;
  captcha?: string;
  /** The phone has no user yet: asking a code is a signup (Auth0's pre-user-registration stage). */
  signup: boolean;
  log: Log;
}

type Defaults = Config['abuse'];

interface VolumeLimits {
  perPrefixPerMinute: number;
  perPrefixPerHour: number;
  perCountryPerMinute: number;
  perCountryPerHour: number;
  phonesPerIp: number;
  conversionGuard: boolean;
}

/**
 * The rules against SMS pumping, flooding and enumeration, checked before a code is sent (see
 * docs/security.md). Each refusal is an Auth0-shaped error for the caller, and an event with its
 * rule and reason in the security log for the operator. All state is in the database, shared by
 * every node.
 */
export class AbuseGuard {
  constructor(
    private readonly settings: Defaults,
    private readonly store: AbuseStore,
    private readonly limiter: RateLimiter,
    private readonly protection: AttackProtection,
    private readonly security: SecurityLog,
    private readonly clock: Clock,
    private readonly captcha: CaptchaVerifier | undefined,
  ) {}

  /** The fixed code of a test number, which never gets an SMS. */
  testCode(phone: string): string | undefined {
    return this.settings.testNumbers.find((t) => t.phone === phone)?.code;
  }

  /** Every rule for `/passwordless/start`; throws the refusal. */
  async checkStart(ctx: StartContext): Promise<void> {
    const base: Omit<SecurityEvent, 'type' | 'description'> = {
      clientId: ctx.client.client_id,
      clientName: ctx.client.name,
      connectionId: ctx.connection.id,
      connection: ctx.connection.name,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      phone: ctx.phone,
    };
    const refuse: Refuse = async (type, rule, description, error) => {
      await this.security.record({ ...base, type, rule, description });
      ctx.log.warn({ rule, connection: ctx.connection.name }, `refused: ${description}`);
      throw error;
    };
    const own = {
      allowed: ctx.connection.options.allowed_countries as string[] | undefined,
      denied: ctx.connection.options.denied_countries as string[] | undefined,
    };
    if (!countryAllowed(ctx.country, this.countries(), own)) {
      await refuse(
        EVENT_TYPES.geoBlocked,
        'geo',
        `destination country ${ctx.country ?? 'unknown'} is not allowed`,
        new CountryNotAllowed('phone_number'),
      );
    }
    const publicCaller = !ctx.authenticated;
    if (publicCaller && this.captcha && this.settings.captcha.mode === 'always')
      await this.requireCaptcha(ctx, refuse);
    const limits = this.limitsFor(ctx.connection.options);
    if (ctx.limitIp) await this.checkIp(ctx, limits, refuse);
    const range = numberRange(ctx.phone, this.settings.prefixDigits);
    await this.checkVelocity(range, ctx.country, limits, refuse);
    if (limits.conversionGuard) await this.checkConversion(ctx, range, publicCaller, refuse, base);
    await this.checkBudgets(ctx.connection, refuse);
  }

  /** The rules that hold for the gateway's messages too (they carry no login to convert). */
  async checkGateway(recipient: string, country: string | null, ip: string): Promise<void> {
    const refuse: Refuse = async (type, rule, description, error) => {
      await this.security.record({ type, rule, description, ip, phone: recipient });
      throw error;
    };
    if (!countryAllowed(country, this.countries())) {
      await refuse(
        EVENT_TYPES.geoBlocked,
        'geo',
        `destination country ${country ?? 'unknown'} is not allowed`,
        new CountryNotAllowed('recipient'),
      );
    }
    await this.checkVelocity(
      numberRange(recipient, this.settings.prefixDigits),
      country,
      this.limitsFor({}),
      refuse,
    );
    await this.checkBudgets(undefined, refuse);
  }

  /** A code was sent: it counts toward its range's and country's conversion. */
  async sent(phone: string, country: string | null): Promise<void> {
    await this.store.count(this.keys(phone, country), Math.floor(this.clock.now() / MINUTE), 'sent');
  }

  /** A code was used to log in: the range and country convert. */
  async verified(phone: string, country: string | null): Promise<void> {
    await this.store.count(this.keys(phone, country), Math.floor(this.clock.now() / MINUTE), 'verified');
  }

  /** Closes the CAPTCHA provider's connections. */
  async close(): Promise<void> {
    await this.captcha?.close();
  }

  /** Forgets state no rule looks at any more (called now and then). */
  async prune(): Promise<void> {
    const now = this.clock.now();
    // Counts are read back to an hour before a flag, and a flag lasts `throttleMinutes`.
    const keep = 2 * HOUR + this.settings.conversion.throttleMinutes * MINUTE;
    await this.store.prune(now - keep, Math.floor((now - keep) / MINUTE));
  }

  /** The volume limits for a connection: the configured ones, with its `options.abuse_limits` over them. */
  private limitsFor(options: Record<string, unknown>): VolumeLimits {
    const own = (options.abuse_limits ?? {}) as ConnectionAbuseLimits;
    const s = this.settings;
    return {
      perPrefixPerMinute: own.per_prefix_per_minute ?? s.perPrefixPerMinute,
      perPrefixPerHour: own.per_prefix_per_hour ?? s.perPrefixPerHour,
      perCountryPerMinute: own.per_country_per_minute ?? s.perCountryPerMinute,
      perCountryPerHour: own.per_country_per_hour ?? s.perCountryPerHour,
      phonesPerIp: own.phones_per_ip ?? s.phonesPerIp,
      conversionGuard: own.conversion_guard ?? s.conversion.enabled,
    };
  }

  private countries() {
    return { allowed: this.settings.allowedCountries, denied: this.settings.deniedCountries };
  }

  private keys(phone: string, country: string | null): Array<{ scope: Scope; key: string }> {
    const keys: Array<{ scope: Scope; key: string }> = [
      { scope: 'prefix', key: numberRange(phone, this.settings.prefixDigits) },
    ];
    if (country) keys.push({ scope: 'country', key: country });
    return keys;
  }

  private async requireCaptcha(ctx: StartContext, refuse: Refuse): Promise<void> {
    if (!ctx.captcha)
      return refuse(
        EVENT_TYPES.captchaFailed,
        'captcha',
        'a CAPTCHA was required and not sent',
        new CaptchaFailed(true),
      );
    const verdict = await (this.captcha as CaptchaVerifier).verify(ctx.captcha, ctx.ip);
    if (!verdict.ok)
      await refuse(
        EVENT_TYPES.captchaFailed,
        'captcha',
        `the CAPTCHA was refused: ${verdict.detail}`,
        new CaptchaFailed(false),
      );
  }

  /** Auth0's suspicious IP throttling (per IP, or per IPv6 /64), then different phones per IP. */
  private async checkIp(ctx: StartContext, limits: VolumeLimits, refuse: Refuse): Promise<void> {
    const bucket = ipBucket(ctx.ip);
    const throttling = await this.protection.suspiciousIpThrottling();
    if (throttling.enabled && !listed(throttling.allowlist, ctx.ip)) {
      // Each stage has its own count: sharing one, with its different window, would let a signup
      // reset the count of logins (and logins spend the signups').
      const name = ctx.signup ? 'pre-user-registration' : 'pre-login';
      const stage = throttling.stage[name];
      const windowSeconds = Math.max(1, Math.round((stage.max_attempts * stage.rate) / 1000));
      const hit = await this.limiter.hit(`start:ip:${name}:${bucket}`, stage.max_attempts, windowSeconds);
      if (!hit.allowed) {
        await refuse(
          EVENT_TYPES.blockedIp,
          'suspicious_ip_throttling',
          `too many codes asked from ${bucket}`,
          new RateLimited(hit.retryAfterSeconds),
        );
      }
    }
    const max = limits.phonesPerIp;
    if (max > 0) {
      const window = Math.floor(this.clock.now() / HOUR) * HOUR;
      const { phones, added } = await this.store.notePhone(bucket, window, ctx.phone);
      if (added && phones > max) {
        // The refused phone is not kept, so the phones this IP already asked for still get codes.
        await this.store.forgetPhone(bucket, window, ctx.phone);
        await refuse(
          EVENT_TYPES.tooManyPhones,
          'phones_per_ip',
          `${bucket} asked codes for ${phones} different phones this hour`,
          new RateLimited(Math.ceil((window + HOUR - this.clock.now()) / 1000)),
        );
      }
    }
  }

  private async checkVelocity(
    range: string,
    country: string | null,
    s: VolumeLimits,
    refuse: Refuse,
  ): Promise<void> {
    const limits: Array<[string, string, number, number]> = [
      ['velocity.prefix.minute', `velocity:prefix:m:${range}`, s.perPrefixPerMinute, 60],
      ['velocity.prefix.hour', `velocity:prefix:h:${range}`, s.perPrefixPerHour, 3600],
    ];
    if (country) {
      limits.push(['velocity.country.minute', `velocity:country:m:${country}`, s.perCountryPerMinute, 60]);
      limits.push(['velocity.country.hour', `velocity:country:h:${country}`, s.perCountryPerHour, 3600]);
    }
    for (const [rule, key, max, windowSeconds] of limits) {
      if (max <= 0) continue;
      const hit = await this.limiter.hit(key, max, windowSeconds);
      if (!hit.allowed) {
        const what = rule.includes('prefix') ? `number range ${range}` : `country ${country}`;
        await refuse(
          EVENT_TYPES.velocityLimited,
          rule,
          `too many codes to ${what}`,
          new RateLimited(hit.retryAfterSeconds),
        );
      }
    }
  }

  /**
   * The conversion guard: a range or country whose codes are rarely used (pumped numbers never type
   * them in) is throttled. Phones that already have a user still get their codes (returning users
   * are not what a ring pumps); new phones there get a few codes an hour, or, with a CAPTCHA in
   * `risk` mode, a public caller who passes it gets one.
   */
  private async checkConversion(
    ctx: StartContext,
    range: string,
    publicCaller: boolean,
    refuse: Refuse,
    base: Omit<SecurityEvent, 'type' | 'description'>,
  ): Promise<void> {
    const c = this.settings.conversion;
    if (!ctx.signup) return;
    const targets: Array<[Scope, string, number]> = [['prefix', range, c.throttledPrefixPerHour]];
    if (ctx.country) targets.push(['country', ctx.country, c.throttledCountryPerHour]);
    let solved = false;
    for (const [scope, key, perHour] of targets) {
      if (!(await this.throttled(scope, key, base, ctx.log))) continue;
      if (publicCaller && this.captcha && this.settings.captcha.mode === 'risk') {
        // A token is good once at the provider: one check passes the range and the country.
        if (!solved) await this.requireCaptcha(ctx, refuse);
        solved = true;
        continue;
      }
      const hit =
        perHour > 0 ? await this.limiter.hit(`throttled:${scope}:${key}`, perHour, 3600) : undefined;
      if (!hit?.allowed) {
        await refuse(
          EVENT_TYPES.conversionThrottled,
          `conversion.${scope}`,
          `${scope} ${key} is throttled: few of its codes are used`,
          new RateLimited(hit?.retryAfterSeconds ?? 3600),
        );
      }
    }
  }

  /**
   * Whether a range or country is throttled now, raising the flag when its conversion collapsed.
   * Once throttled, it is judged over the time since an hour before its last flag, so a ring that
   * waits out the throttle finds it raised again at once.
   */
  private async throttled(
    scope: Scope,
    key: string,
    base: Omit<SecurityEvent, 'type' | 'description'>,
    log: Log,
  ): Promise<boolean> {
    const now = this.clock.now();
    const flag = await this.store.flag(scope, key, 'conversion');
    if (flag && flag.until > now) return true;
    const c = this.settings.conversion;
    const since = Math.min(now - HOUR, flag ? flag.created_at - HOUR : now);
    const { sent, verified } = await this.store.totals(
      scope,
      key,
      Math.floor(since / MINUTE),
      Math.floor((now - c.graceSeconds * 1000) / MINUTE) - 1,
    );
    if (sent < c.minSent || verified / sent >= c.minRate) return false;
    const reason = `${verified} of ${sent} codes sent since ${new Date(since).toISOString()} were used (below ${Math.round(c.minRate * 100)}%)`;
    const raised = await this.store.raiseFlag({
      scope,
      key,
      rule: 'conversion',
      until: now + c.throttleMinutes * MINUTE,
      reason,
      created_at: now,
    });
    if (raised) {
      log.warn({ scope, key, sent, verified }, `SMS pumping suspected: ${scope} ${key} throttled`);
      await this.security.record({
        ...base,
        type: EVENT_TYPES.conversionThrottled,
        rule: `conversion.${scope}`,
        description: `${scope} ${key} throttled for ${c.throttleMinutes} min: ${reason}`,
        details: { scope, key, sent, verified },
      });
    }
    return true;
  }

  /** Hourly and daily caps on messages, in all and per connection. */
  private async checkBudgets(
    connection: StartContext['connection'] | undefined,
    refuse: Refuse,
  ): Promise<void> {
    const caps: Array<[string, string, number, number]> = [
      ['budget.hour', 'budget:all:h', this.settings.budgetPerHour, 3600],
      ['budget.day', 'budget:all:d', this.settings.budgetPerDay, 86_400],
    ];
    const perHour = connection?.options.sms_budget_per_hour;
    const perDay = connection?.options.sms_budget_per_day;
    if (connection && typeof perHour === 'number')
      caps.push(['budget.connection.hour', `budget:con:${connection.id}:h`, perHour, 3600]);
    if (connection && typeof perDay === 'number')
      caps.push(['budget.connection.day', `budget:con:${connection.id}:d`, perDay, 86_400]);
    for (const [rule, key, max, windowSeconds] of caps) {
      if (max <= 0) continue;
      const hit = await this.limiter.hit(key, max, windowSeconds);
      if (!hit.allowed) {
        await refuse(
          EVENT_TYPES.budgetExhausted,
          rule,
          `the ${rule.endsWith('day') ? 'daily' : 'hourly'} SMS budget of ${max} is spent`,
          new RateLimited(hit.retryAfterSeconds, 'The SMS budget is spent. Please try again later.'),
        );
      }
    }
  }
}

/** Records the refusal in the security log, then throws `error`. */
type Refuse = (
  type: SecurityEvent['type'],
  rule: string,
  description: string,
  error: Error,
) => Promise<never>;

const lists = new Map<string, BlockList>();

/** Whether `ip` is in an allowlist of addresses and CIDR ranges (parsed once per list). */
export function listed(allowlist: readonly string[], ip: string): boolean {
  if (allowlist.length === 0) return false;
  const key = allowlist.join(',');
  let list = lists.get(key);
  if (!list) {
    list = networkList([...allowlist]);
    if (lists.size > 100) lists.clear();
    lists.set(key, list);
  }
  return ipAllowed(list, ip);
}
