import type { Db } from '../store/database.js';
import type { Clock } from '../util/clock.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters kept in the database, so every node shares them. One statement per hit
 * (an upsert), atomic on SQLite and PostgreSQL alike.
 */
export class RateLimiter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const now = this.clock.now();
    const windowMs = windowSeconds * 1000;
    const expired = now - windowMs;
    const row = await this.db
      .insertInto('rate_counters')
      .values({ key, window_start: now, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          count: eb
            .case()
            .when('rate_counters.window_start', '<=', expired)
            .then(1)
            .else(eb('rate_counters.count', '+', 1))
            .end(),
          window_start: eb
            .case()
            .when('rate_counters.window_start', '<=', expired)
            .then(now)
            .else(eb.ref('rate_counters.window_start'))
            .end(),
        })),
      )
      .returning(['count', 'window_start'])
      .executeTakeFirstOrThrow();
    const allowed = Number(row.count) <= limit;
    const retryAfterSeconds = Math.max(1, Math.ceil((Number(row.window_start) + windowMs - now) / 1000));
    return { allowed, retryAfterSeconds };
  }
}
