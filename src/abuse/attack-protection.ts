import type { Config } from '../config/schema.js';
import type { SettingStore } from '../store/settings.js';
import type { Clock } from '../util/clock.js';

/** Auth0's `GET /api/v2/attack-protection/brute-force-protection` shape. */
export interface BruteForceProtection {
  enabled: boolean;
  /** `block` blocks the phone; `user_notification` is accepted and kept (otpline notifies nobody). */
  shields: string[];
  /** IPs and CIDR ranges whose failures are not counted. */
  allowlist: string[];
  /** Count failures per phone (otpline's default) or per phone and IP (Auth0's). */
  mode: 'count_per_identifier' | 'count_per_identifier_and_ip';
  max_attempts: number;
}

interface Stage {
  /** Requests an IP may make at once before it is throttled. */
  max_attempts: number;
  /** Milliseconds after which one more request is allowed (Auth0's refill interval). */
  rate: number;
}

/** Auth0's `GET /api/v2/attack-protection/suspicious-ip-throttling` shape. */
export interface SuspiciousIpThrottling {
  enabled: boolean;
  shields: string[];
  allowlist: string[];
  /** `pre-login`: codes asked for known phones; `pre-user-registration`: for new ones (signups). */
  stage: { 'pre-login': Stage; 'pre-user-registration': Stage };
}

const KEYS = {
  bruteForce: 'attack_protection.brute_force_protection',
  suspiciousIp: 'attack_protection.suspicious_ip_throttling',
} as const;

/** Settings read through a cache for this long: a change made on one node reaches all within it. */
const CACHE_MS = 5_000;

/**
 * Auth0's attack-protection settings, driving otpline's limits. Until an administrator changes
 * them they are the configured limits; a change is stored in the database for every node.
 */
export class AttackProtection {
  private cache = new Map<string, { value: unknown; until: number }>();

  constructor(
    private readonly settings: SettingStore,
    private readonly config: Pick<Config, 'limits'>,
    private readonly clock: Clock,
  ) {}

  bruteForce(): Promise<BruteForceProtection> {
    return this.read(KEYS.bruteForce, () => ({
      enabled: true,
      shields: ['block'],
      allowlist: [],
      mode: 'count_per_identifier',
      max_attempts: this.config.limits.failuresBeforeBlock,
    }));
  }

  suspiciousIpThrottling(): Promise<SuspiciousIpThrottling> {
    const { startsPerIpWithoutSecret: max, startsPerIpWindowSeconds: window } = this.config.limits;
    const stage = { max_attempts: max, rate: Math.round((window * 1000) / max) };
    return this.read(KEYS.suspiciousIp, () => ({
      enabled: true,
      shields: ['block'],
      allowlist: [],
      stage: { 'pre-login': stage, 'pre-user-registration': { ...stage } },
    }));
  }

  async updateBruteForce(patch: Partial<BruteForceProtection>): Promise<BruteForceProtection> {
    const next = { ...(await this.bruteForce()), ...patch };
    await this.write(KEYS.bruteForce, next);
    return next;
  }

  async updateSuspiciousIpThrottling(
    patch: Partial<SuspiciousIpThrottling>,
  ): Promise<SuspiciousIpThrottling> {
    const current = await this.suspiciousIpThrottling();
    const next = { ...current, ...patch, stage: { ...current.stage, ...patch.stage } };
    await this.write(KEYS.suspiciousIp, next);
    return next;
  }

  private async read<T>(key: string, fallback: () => T): Promise<T> {
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.value as T;
    const stored = await this.settings.get(key);
    const value =
      stored === undefined ? fallback() : ({ ...fallback(), ...(JSON.parse(stored) as object) } as T);
    this.cache.set(key, { value, until: now + CACHE_MS });
    return value;
  }

  private async write(key: string, value: unknown): Promise<void> {
    await this.settings.set(key, JSON.stringify(value));
    this.cache.delete(key);
  }
}
