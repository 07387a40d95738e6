import type { CounterStore } from '../store/counters.js';
import type { Clock } from '../util/clock.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** Fixed-window limits over counters every node shares (one atomic upsert per hit). */
export class RateLimiter {
  constructor(
    private readonly counters: CounterStore,
    private readonly clock: Clock,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const now = this.clock.now();
    const windowMs = windowSeconds * 1000;
    const { count, windowStart } = await this.counters.hit(key, now, windowMs);
    return {
      allowed: count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
    };
  }
}
