import { listed } from '../abuse/abuse-guard.js';
import type { AttackProtection } from '../abuse/attack-protection.js';
import type { CounterStore } from '../store/counters.js';
import type { Clock } from '../util/clock.js';
import { ipBucket } from './ip-bucket.js';

/** How failed logins count for one phone, by the attack-protection settings and the connection. */
export interface BruteForcePolicy {
  /** Blocking is on (settings enabled with the `block` shield, and the connection's flag on). */
  on: boolean;
  /** What failures are counted against: the phone, or the phone and the IP (Auth0's mode). */
  identifier: string;
  /** Failures that block. */
  maxAttempts: number;
  /** This IP is in the allowlist: its failures do not count. */
  exempt: boolean;
}

/**
 * Repeated wrong codes block a phone for a while: no new codes are sent to it and none are
 * accepted. Failures older than the block period are forgotten; a successful login clears them.
 * Auth0's brute-force-protection settings (`GET/PATCH /api/v2/attack-protection/...`) decide
 * whether, how much and for whom.
 */
export class BruteForceGuard {
  constructor(
    private readonly counters: CounterStore,
    private readonly clock: Clock,
    private readonly settings: { blockSeconds: number },
    private readonly protection: AttackProtection,
  ) {}

  async policy(connectionFlag: boolean | undefined, phone: string, ip: string): Promise<BruteForcePolicy> {
    const settings = await this.protection.bruteForce();
    return {
      on: settings.enabled && settings.shields.includes('block') && connectionFlag !== false,
      identifier: settings.mode === 'count_per_identifier_and_ip' ? `${phone}|${ipBucket(ip)}` : phone,
      maxAttempts: settings.max_attempts,
      exempt: listed(settings.allowlist, ip),
    };
  }

  /** Seconds the identifier stays blocked, or 0. */
  async blockedFor(connectionId: string, identifier: string): Promise<number> {
    const until = (await this.counters.blockedUntil(connectionId, identifier)) ?? 0;
    const left = until - this.clock.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /**
   * Counts a failure; true when this one blocked the identifier. The count may already be past
   * `maxAttempts` (an administrator lowered it), and the store blocks then too.
   */
  async recordFailure(connectionId: string, policy: BruteForcePolicy): Promise<boolean> {
    const { failures } = await this.counters.recordFailure(
      connectionId,
      policy.identifier,
      this.clock.now(),
      this.settings.blockSeconds * 1000,
      policy.maxAttempts,
    );
    return failures >= policy.maxAttempts;
  }

  async clear(connectionId: string, identifier: string): Promise<void> {
    await this.counters.clearFailures(connectionId, identifier);
  }
}
