import { atomically } from './atomic.js';
import type { ConfigCache } from './config-cache.js';
import type { Db } from './database.js';
import { pageOf } from './paging.js';
import type { ConnectionsTable } from './tables.js';

export interface GatewayAuthentication {
  method: string;
  subject?: string;
  audience: string;
  secret?: string;
  secret_base64_encoded?: boolean;
}

/** A connection's own volume limits (`options.abuse_limits`), each over the configured one. */
export interface ConnectionAbuseLimits {
  per_prefix_per_minute?: number;
  per_prefix_per_hour?: number;
  per_country_per_minute?: number;
  per_country_per_hour?: number;
  phones_per_ip?: number;
  conversion_guard?: boolean;
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
  /** otpline: destination countries (ISO codes) for this connection, within the global rule. */
  allowed_countries?: string[];
  denied_countries?: string[];
  /** otpline: caps on codes sent through this connection. */
  sms_budget_per_hour?: number;
  sms_budget_per_day?: number;
  /** otpline: volume limits over the configured ones. */
  abuse_limits?: ConnectionAbuseLimits;
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

function fromRow(row: ConnectionsTable, enabledClients: string[]): Connection {
  return {
    id: row.id,
    name: row.name,
    strategy: row.strategy,
    display_name: row.display_name,
    options: JSON.parse(row.options) as SmsConnectionOptions,
    enabled_clients: enabledClients,
    is_domain_connection: row.is_domain_connection === 1,
    realms: JSON.parse(row.realms) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toRow(c: Connection): ConnectionsTable {
  return {
    id: c.id,
    name: c.name,
    strategy: c.strategy,
    display_name: c.display_name,
    options: JSON.stringify(c.options),
    is_domain_connection: c.is_domain_connection ? 1 : 0,
    realms: JSON.stringify(c.realms),
    metadata: JSON.stringify(c.metadata),
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

/** Connections, with their enabled clients in a table of their own (one row per connection and client). */
export class ConnectionStore {
  constructor(
    private readonly db: Db,
    private readonly cache: ConfigCache,
  ) {}

  private async withClients(rows: ConnectionsTable[]): Promise<Connection[]> {
    if (rows.length === 0) return [];
    const links = await this.db
      .selectFrom('connection_clients')
      .select(['connection_id', 'client_id'])
      .where(
        'connection_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('position')
      .execute();
    return rows.map((row) =>
      fromRow(
        row,
        links.filter((l) => l.connection_id === row.id).map((l) => l.client_id),
      ),
    );
  }

  async get(id: string): Promise<Connection | undefined> {
    return this.cache.readIn(this.db, `connection:${id}`, async () => {
      const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? (await this.withClients([row]))[0] : undefined;
    });
  }

  async getByName(name: string): Promise<Connection | undefined> {
    return this.cache.readIn(this.db, `connection-name:${name}`, async () => {
      const row = await this.db
        .selectFrom('connections')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? (await this.withClients([row]))[0] : undefined;
    });
  }

  async list(filter: { strategy?: string; name?: string }, offset: number, limit: number) {
    let query = this.db.selectFrom('connections');
    if (filter.strategy) query = query.where('strategy', '=', filter.strategy);
    if (filter.name) query = query.where('name', '=', filter.name);
    const { rows, total } = await pageOf(
      query,
      (q) => q.selectAll().orderBy('created_at').orderBy('id'),
      offset,
      limit,
    );
    return { connections: await this.withClients(rows), total };
  }

  async insert(connection: Connection): Promise<void> {
    await this.cache.change(() =>
      atomically(this.db, async (trx) => {
        await trx.insertInto('connections').values(toRow(connection)).execute();
        await setClients(trx, connection);
      }),
    );
  }

  async update(connection: Connection): Promise<void> {
    const { id, created_at: _created, ...rest } = toRow(connection);
    await this.cache.change(() =>
      atomically(this.db, async (trx) => {
        await trx.updateTable('connections').set(rest).where('id', '=', id).execute();
        await setClients(trx, connection);
      }),
    );
  }

  /** Deletes the connection with its users and codes, as Auth0 does. */
  async delete(id: string): Promise<boolean> {
    return this.cache.change(() =>
      atomically(this.db, async (trx) => {
        await trx.deleteFrom('users').where('connection_id', '=', id).execute();
        await trx.deleteFrom('otp_codes').where('connection_id', '=', id).execute();
        await trx.deleteFrom('phone_failures').where('connection_id', '=', id).execute();
        const result = await trx.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    );
  }
}

async function setClients(trx: Db, connection: Connection): Promise<void> {
  await trx.deleteFrom('connection_clients').where('connection_id', '=', connection.id).execute();
  if (connection.enabled_clients.length === 0) return;
  await trx
    .insertInto('connection_clients')
    .values(
      connection.enabled_clients.map((client_id, position) => ({
        connection_id: connection.id,
        client_id,
        position,
      })),
    )
    .execute();
}
