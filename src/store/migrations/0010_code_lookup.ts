import type { Kysely, Migration } from 'kysely';

/**
 * A one-time code is looked up by phone only while it is active, which `otp_codes_one_active`
 * (connection and phone, where the status is 'active') serves now that the statements write that
 * status into their SQL. The full (connection, phone, status) index also held every used and
 * expired code: a random page written when a code was issued and again when it was used, a tenth
 * of the pages a login wrote (docs/performance.md). Deleting a connection's codes needs the
 * connection alone; its index grows at one end.
 */
export const codeLookup: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('otp_codes_lookup').ifExists().execute();
    await db.schema
      .createIndex('otp_codes_connection')
      .ifNotExists()
      .on('otp_codes')
      .column('connection_id')
      .execute();
  },
};
