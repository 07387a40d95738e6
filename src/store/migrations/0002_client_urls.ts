import type { Kysely, Migration } from 'kysely';

/** Clients keep Auth0's URL lists (for the hosted login and CORS) and any other Auth0 fields as sent. */
export const clientUrls: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['web_origins', 'allowed_origins', 'allowed_logout_urls']) {
      await db.schema
        .alterTable('clients')
        .addColumn(column, 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    }
    await db.schema
      .alterTable('clients')
      .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
  },
};
