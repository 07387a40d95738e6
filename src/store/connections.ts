import type { Db } from './database.js';
import type { ConnectionsTable } from './tables.js';

export interface GatewayAuthentication {
  method: string;
  subject?: string;
  audience: string;
  secret?: string;
  secret_base64_encoded?: boolean;
}

/** The `options` of an `sms` connection, as Auth0's Management API accepts them. */
export interface SmsConnectionOptions {
  name?: string;
  strategy?: string;
  provider?: 'twilio' | 'sms_gateway';
  gateway_url?: string;
  gateway_authentication?: GatewayAuthentication;
  forward_req_info?: boolean | 'true' | 'false';
  from?: string;
  syntax?: 'md_with_macros' | 'liquid';
  template?: string;
  totp?: { time_step?: number; length?: number };
  disable_signup?: boolean;
  brute_force_protection?: boolean;
  twilio_sid?: string;
  twilio_token?: string;
  messaging_service_sid?: string;
  [other: string]: unknown;
}

export interface Connection {
  id: string;
  name: string;
  strategy: string;
  display_name: string | null;
  options: SmsConnectionOptions;
  enabled_clients: string[];
  is_domain_connection: boolean;
  realms: string[];
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number;
}

function fromRow(row: ConnectionsTable): Connection {
  return {
    id: row.id,
    name: row.name,
    strategy: row.strategy,
    display_name: row.display_name,
    options: JSON.parse(row.options) as SmsConnectionOptions,
    enabled_clients: JSON.parse(row.enabled_clients) as string[],
    is_domain_connection: row.is_domain_connection === 1,
    realms: JSON.parse(row.realms) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

function toRow(c: Connection): ConnectionsTable {
  return {
    id: c.id,
    name: c.name,
    strategy: c.strategy,
    display_name: c.display_name,
    options: JSON.stringify(c.options),
    enabled_clients: JSON.stringify(c.enabled_clients),
    is_domain_connection: c.is_domain_connection ? 1 : 0,
    realms: JSON.stringify(c.realms),
    metadata: JSON.stringify(c.metadata),
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export class ConnectionStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<Connection | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async getByName(name: string): Promise<Connection | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(filter: { strategy?: string; name?: string }, offset: number, limit: number) {
    let query = this.db.selectFrom('connections');
    if (filter.strategy) query = query.where('strategy', '=', filter.strategy);
    if (filter.name) query = query.where('name', '=', filter.name);
    const rows = await query
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .offset(offset)
      .limit(limit)
      .execute();
    const count = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { connections: rows.map(fromRow), total: Number(count.n) };
  }

  async insert(connection: Connection): Promise<void> {
    await this.db.insertInto('connections').values(toRow(connection)).execute();
  }

  async update(connection: Connection): Promise<void> {
    const { id, created_at: _created, ...rest } = toRow(connection);
    await this.db.updateTable('connections').set(rest).where('id', '=', id).execute();
  }

  /** Deletes the connection with its users and codes, as Auth0 does. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('users').where('connection_id', '=', id).execute();
      await trx.deleteFrom('otp_codes').where('connection_id', '=', id).execute();
      await trx.deleteFrom('phone_failures').where('connection_id', '=', id).execute();
      const result = await trx.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** Removes a deleted client from every connection's `enabled_clients`. */
  async forgetClient(clientId: string): Promise<void> {
    const all = await this.db.selectFrom('connections').selectAll().execute();
    for (const row of all.map(fromRow)) {
      if (!row.enabled_clients.includes(clientId)) continue;
      row.enabled_clients = row.enabled_clients.filter((id) => id !== clientId);
      await this.update(row);
    }
  }
}
