import type { Kysely, Migration } from 'kysely';

/**
 * The hosted login's state: authorization codes (single use, bound to client, redirect URI and PKCE
 * challenge), browser sessions (for silent login and logout) and refresh tokens (rotated, each
 * family revoked when a used one comes back). Every secret is stored as its SHA-256 only.
 */
export const hostedLogin: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('authorization_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('audience', 'text')
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('authorization_codes_expires')
      .on('authorization_codes')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('login_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ended', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('login_sessions_expires').on('login_sessions').column('expires_at').execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('audience', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
    await db.schema.createIndex('refresh_tokens_expires').on('refresh_tokens').column('expires_at').execute();
  },
};
