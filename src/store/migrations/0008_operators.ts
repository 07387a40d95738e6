import type { Kysely, Migration } from 'kysely';

/**
 * The dashboard's operators added through the one-time setup link (those of the config are not
 * stored). The live message log reads messages by updated_at, indexed since 0006.
 */
export const operators: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('operators')
      .addColumn('phone_number', 'text', (c) => c.primaryKey())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
