import type { Kysely, Migration } from 'kysely';

/**
 * - Each message records its encoding and segment count, and where it is in its route: which
 *   provider of the chain (`route_step`) and how many transient failures in a row it had there.
 * - A delivery receipt's result and time are kept on the message; each attempt keeps the
 *   provider's own error code.
 * - `provider_health`: a provider taken out of rotation after a provider-wide fault, until when.
 */
export const routingAndReceipts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').addColumn('encoding', 'text').execute();
    await db.schema.alterTable('messages').addColumn('segments', 'integer').execute();
    await db.schema
      .alterTable('messages')
      .addColumn('route_step', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('messages')
      .addColumn('step_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('messages').addColumn('receipt_detail', 'text').execute();
    await db.schema.alterTable('messages').addColumn('receipt_at', 'bigint').execute();
    await db.schema.alterTable('message_attempts').addColumn('error_code', 'text').execute();
    await db.schema
      .createTable('provider_health')
      .addColumn('provider', 'text', (c) => c.primaryKey())
      .addColumn('down_until', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
