import type { Kysely, Migration } from 'kysely';

/**
 * - `security_events`: the log behind `GET /api/v2/logs` (Auth0's event types, otpline's own).
 * - `conversion_counts`: codes sent and verified per country and per number prefix, per hour.
 * - `abuse_flags`: a country or prefix throttled by a rule, until when, and why.
 * - `ip_phones`: which phones each IP (or IPv6 /64) asked codes for, per window (enumeration).
 */
export const abuseAndLogs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('security_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('date', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('client_name', 'text')
      .addColumn('connection_id', 'text')
      .addColumn('connection', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('phone_number', 'text')
      .addColumn('user_id', 'text')
      .addColumn('rule', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    for (const column of ['date', 'type', 'phone_number', 'ip', 'client_id']) {
      await db.schema
        .createIndex(`security_events_${column}`)
        .on('security_events')
        .columns(column === 'date' ? ['date'] : [column, 'date'])
        .execute();
    }

    await db.schema
      .createTable('conversion_counts')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('sent', 'integer', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversion_counts_pk', ['scope', 'key', 'bucket'])
      .execute();

    await db.schema
      .createTable('abuse_flags')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('abuse_flags_pk', ['scope', 'key', 'rule'])
      .execute();

    await db.schema
      .createTable('ip_phones')
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('phone_number', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('ip_phones_pk', ['ip', 'window_start', 'phone_number'])
      .execute();
  },
};
