import type { CounterStore } from '../store/counters.js';
import type { Clock } from '../util/clock.js';

export interface BruteForceSettings {
  failuresBeforeBlock: number;
  blockSeconds: number;
}

/**
 * With `brute_force_protection` on, repeated wrong codes for one phone block that phone for a
 * while: no new codes are sent to it and none are accepted. Failures older than the block
 * period are forgotten; a successful login clears them.
 */
export class BruteForceGuard {
  constructor(
    private readonly counters: CounterStore,
    private readonly clock: Clock,
    private readonly settings: BruteForceSettings,
  ) {}

  /** Seconds the phone stays blocked, or 0. */
  async blockedFor(connectionId: string, phone: string): Promise<number> {
    const until = (await this.counters.blockedUntil(connectionId, phone)) ?? 0;
    const left = until - this.clock.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  async recordFailure(connectionId: string, phone: string): Promise<void> {
    const { blockSeconds, failuresBeforeBlock } = this.settings;
    await this.counters.recordFailure(
      connectionId,
      phone,
      this.clock.now(),
      blockSeconds * 1000,
      failuresBeforeBlock,
    );
  }

  async clear(connectionId: string, phone: string): Promise<void> {
    await this.counters.clearFailures(connectionId, phone);
  }
}
