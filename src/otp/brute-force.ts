import type { Db } from '../store/database.js';
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
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: BruteForceSettings,
  ) {}

  /** Seconds the phone stays blocked, or 0. */
  async blockedFor(connectionId: string, phone: string): Promise<number> {
    const row = await this.db
      .selectFrom('phone_failures')
      .select('blocked_until')
      .where('connection_id', '=', connectionId)
      .where('phone_number', '=', phone)
      .executeTakeFirst();
    const until = row?.blocked_until === null || row === undefined ? 0 : Number(row.blocked_until);
    const left = until - this.clock.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  async recordFailure(connectionId: string, phone: string): Promise<void> {
    const now = this.clock.now();
    const windowMs = this.settings.blockSeconds * 1000;
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('phone_failures')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('phone_number', '=', phone)
        .executeTakeFirst();
      const fresh = !row || now - Number(row.window_start) > windowMs;
      const failures = fresh ? 1 : row.failures + 1;
      const windowStart = fresh ? now : Number(row.window_start);
      const blockedUntil =
        failures >= this.settings.failuresBeforeBlock ? now + windowMs : (row?.blocked_until ?? null);
      const values = {
        failures,
        window_start: windowStart,
        blocked_until: blockedUntil === null ? null : Number(blockedUntil),
      };
      await trx
        .insertInto('phone_failures')
        .values({ connection_id: connectionId, phone_number: phone, ...values })
        .onConflict((oc) => oc.columns(['connection_id', 'phone_number']).doUpdateSet(values))
        .execute();
    });
  }

  async clear(connectionId: string, phone: string): Promise<void> {
    await this.db
      .deleteFrom('phone_failures')
      .where('connection_id', '=', connectionId)
      .where('phone_number', '=', phone)
      .execute();
  }
}
