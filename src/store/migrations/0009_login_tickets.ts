import type { Kysely, Migration } from 'kysely';

/**
 * Login tickets of the embedded login (auth0.js, Lock): what `/co/authenticate` and
 * `/passwordless/verify` hand out once the code was right, for `/authorize` (or
 * `/passwordless/verify_redirect`) to finish the login with. Single use, minutes long, stored as
 * the SHA-256 of the ticket and of what binds it to the browser (the co_verifier, or phone + code).
 */
export const loginTickets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('login_tickets')
      .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('co_id', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('login_tickets_expires').on('login_tickets').column('expires_at').execute();
  },
};
