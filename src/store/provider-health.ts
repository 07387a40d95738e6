import type { Db } from './database.js';

/** Providers out of rotation after a provider-wide fault, shared by every node. */
export class ProviderHealthStore {
  constructor(private readonly db: Db) {}

  async markDown(provider: string, until: number, reason: string, now: number): Promise<void> {
    await this.db
      .insertInto('provider_health')
      .values({ provider, down_until: until, reason, updated_at: now })
      .onConflict((oc) => oc.column('provider').doUpdateSet({ down_until: until, reason, updated_at: now }))
      .execute();
  }

  /** The providers out of rotation at `now`, with when each comes back and why. */
  async down(now: number): Promise<Map<string, { until: number; reason: string }>> {
    const rows = await this.db
      .selectFrom('provider_health')
      .select(['provider', 'down_until', 'reason'])
      .where('down_until', '>', now)
      .execute();
    return new Map(rows.map((r) => [r.provider, { until: r.down_until, reason: r.reason }]));
  }
}
