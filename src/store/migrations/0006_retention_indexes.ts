import type { Kysely, Migration } from 'kysely';

/** Indexes on the times old rows are pruned by, so each batch of the pruning is a short range scan. */
export const retentionIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    const indexes: Array<[string, string, string]> = [
      ['otp_codes_expires', 'otp_codes', 'expires_at'],
      ['messages_updated', 'messages', 'updated_at'],
      ['rate_counters_window', 'rate_counters', 'window_start'],
      ['phone_failures_window', 'phone_failures', 'window_start'],
    ];
    for (const [name, table, column] of indexes) {
      await db.schema.createIndex(name).ifNotExists().on(table).column(column).execute();
    }
  },
};
