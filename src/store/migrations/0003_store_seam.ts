import { type Kysely, type Migration, sql } from 'kysely';

/**
 * - `enabled_clients` moves from a JSON array to a table of its own.
 * - Messages: `route` becomes `dispatch` ("route" is for provider routing), and each message keeps
 *   its recipient's country; each attempt keeps the provider's message id, indexed for receipts.
 * - The database itself refuses two current signing keys and two active codes for one phone.
 */
export const storeSeam: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('connection_clients')
      // The database refuses a link to a client that is gone, and drops links with what they link.
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('connection_clients_pk', ['connection_id', 'client_id'])
      .execute();
    await db.schema
      .createIndex('connection_clients_client')
      .on('connection_clients')
      .column('client_id')
      .execute();
    const { rows } = await sql<{ id: string; enabled_clients: string }>`
      select id, enabled_clients from connections`.execute(db);
    const { rows: clients } = await sql<{ client_id: string }>`select client_id from clients`.execute(db);
    const known = new Set(clients.map((c) => c.client_id));
    for (const row of rows) {
      const ids = [...new Set(JSON.parse(row.enabled_clients) as string[])].filter((id) => known.has(id));
      for (const [position, clientId] of ids.entries()) {
        await sql`insert into connection_clients (connection_id, client_id, position)
          values (${row.id}, ${clientId}, ${position})`.execute(db);
      }
    }
    await db.schema.alterTable('connections').dropColumn('enabled_clients').execute();

    await db.schema.alterTable('messages').renameColumn('route', 'dispatch').execute();
    await db.schema.alterTable('messages').addColumn('country', 'text').execute();
    await db.schema.alterTable('message_attempts').addColumn('provider_message_id', 'text').execute();
    await db.schema
      .createIndex('message_attempts_provider_message')
      .on('message_attempts')
      .columns(['provider', 'provider_message_id'])
      .execute();

    // Settle any duplicates an older version could have left, then forbid them.
    await sql`update signing_keys set status = 'previous' where status = 'current' and kid not in
      (select kid from signing_keys where status = 'current' order by created_at desc limit 1)`.execute(db);
    await db.schema
      .createIndex('signing_keys_one_current')
      .on('signing_keys')
      .column('status')
      .unique()
      .where(sql.ref('status'), '=', 'current')
      .execute();
    await sql`update otp_codes set status = 'superseded' where status = 'active' and exists
      (select 1 from otp_codes newer where newer.status = 'active'
        and newer.connection_id = otp_codes.connection_id and newer.phone_number = otp_codes.phone_number
        and (newer.created_at > otp_codes.created_at
          or (newer.created_at = otp_codes.created_at and newer.id > otp_codes.id)))`.execute(db);
    await db.schema
      .createIndex('otp_codes_one_active')
      .on('otp_codes')
      .columns(['connection_id', 'phone_number'])
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();
  },
};
