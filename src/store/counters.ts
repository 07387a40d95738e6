import { sql } from 'kysely';
import type { Db } from './database.js';
import { prepared } from './prepared.js';

/**
 * Fixed-window counters and per-phone failure counts, shared by every node through the
 * database. Each change is one upsert: read-then-write would let parallel requests share a count.
 */
export class CounterStore {
  constructor(private readonly db: Db) {}

  /** Adds one to `key`'s window (starting a new window when the last one ended); returns the count. */
  async hit(key: string, now: number, windowMs: number): Promise<{ count: number; windowStart: number }> {
    const row = (await hit(this.db, key, now, now - windowMs)).rows[0];
    if (!row) throw new Error('the rate counter upsert returned no row');
    return { count: row.count, windowStart: row.window_start };
  }

  /**
   * Counts a failed login for a phone within a window of `windowMs`; the failure that reaches
   * `blockAt` blocks the phone until `now + windowMs`. Returns the failures counted so far.
   */
  async recordFailure(
    connectionId: string,
    phone: string,
    now: number,
    windowMs: number,
    blockAt: number,
  ): Promise<{ failures: number }> {
    const expired = now - windowMs;
    const fresh = sql<boolean>`phone_failures.window_start < ${expired}`;
    const failures = sql<number>`case when ${fresh} then 1 else phone_failures.failures + 1 end`;
    const row = await this.db
      .insertInto('phone_failures')
      .values({
        connection_id: connectionId,
        phone_number: phone,
        failures: 1,
        window_start: now,
        blocked_until: blockAt <= 1 ? now + windowMs : null,
      })
      .onConflict((oc) =>
        oc.columns(['connection_id', 'phone_number']).doUpdateSet({
          failures,
          window_start: sql<number>`case when ${fresh} then ${now} else phone_failures.window_start end`,
          blocked_until: sql<
            number | null
          >`case when ${failures} >= ${blockAt} then ${now + windowMs} else phone_failures.blocked_until end`,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return { failures: row.failures };
  }

  async blockedUntil(connectionId: string, phone: string): Promise<number | null> {
    const row = (await blockedUntil(this.db, connectionId, phone)).rows[0];
    return row?.blocked_until ?? null;
  }

  async clearFailures(connectionId: string, phone: string): Promise<void> {
    await clearFailures(this.db, connectionId, phone);
  }
}

// Run on every login, built once (see prepared).
const hit = prepared((db: Db, key: string, now: number, expired: number) =>
  db
    .insertInto('rate_counters')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_counters.window_start <= ${expired} then 1 else rate_counters.count + 1 end`,
        window_start: sql<number>`case when rate_counters.window_start <= ${expired} then ${now} else rate_counters.window_start end`,
      }),
    )
    .returning(['count', 'window_start']),
);
const blockedUntil = prepared((db: Db, connectionId: string, phone: string) =>
  db
    .selectFrom('phone_failures')
    .select('blocked_until')
    .where('connection_id', '=', connectionId)
    .where('phone_number', '=', phone),
);
const clearFailures = prepared((db: Db, connectionId: string, phone: string) =>
  db.deleteFrom('phone_failures').where('connection_id', '=', connectionId).where('phone_number', '=', phone),
);
