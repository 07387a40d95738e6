import type { ConfigCache } from './config-cache.js';
import type { Db } from './database.js';
import { pageOf } from './paging.js';
import type { ClientsTable } from './tables.js';

export const GRANT_PASSWORDLESS_OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';
export const GRANT_LEGACY_RO = 'http://auth0.com/oauth/legacy/grant-type/ro';
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';

export type AppType = 'native' | 'spa' | 'regular_web' | 'non_interactive';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

export interface Client {
  client_id: string;
  name: string;
  description: string | null;
  client_secret: string | null;
  app_type: AppType;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: string[];
  callbacks: string[];
  web_origins: string[];
  allowed_origins: string[];
  allowed_logout_urls: string[];
  /** Auth0 client fields otpline keeps and returns but does not act on (`logo_uri`, `oidc_conformant`, ...). */
  extra: Record<string, unknown>;
  jwt_configuration: { alg: 'RS256' | 'HS256'; lifetime_in_seconds: number };
  is_first_party: boolean;
  is_management: boolean;
  client_metadata: Record<string, string>;
  created_at: number;
  updated_at: number;
}

/** A confidential client must prove its secret at the token endpoint. */
export function isConfidential(client: Client): boolean {
  return client.token_endpoint_auth_method !== 'none';
}

function fromRow(row: ClientsTable): Client {
  return {
    client_id: row.client_id,
    name: row.name,
    description: row.description,
    client_secret: row.client_secret,
    app_type: row.app_type as AppType,
    token_endpoint_auth_method: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
    grant_types: JSON.parse(row.grant_types) as string[],
    callbacks: JSON.parse(row.callbacks) as string[],
    web_origins: JSON.parse(row.web_origins) as string[],
    allowed_origins: JSON.parse(row.allowed_origins) as string[],
    allowed_logout_urls: JSON.parse(row.allowed_logout_urls) as string[],
    extra: JSON.parse(row.extra) as Record<string, unknown>,
    jwt_configuration: {
      alg: row.jwt_alg as 'RS256' | 'HS256',
      lifetime_in_seconds: row.id_token_lifetime,
    },
    is_first_party: row.is_first_party === 1,
    is_management: row.is_management === 1,
    client_metadata: JSON.parse(row.client_metadata) as Record<string, string>,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toRow(client: Client): ClientsTable {
  return {
    client_id: client.client_id,
    name: client.name,
    description: client.description,
    client_secret: client.client_secret,
    app_type: client.app_type,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: JSON.stringify(client.grant_types),
    callbacks: JSON.stringify(client.callbacks),
    web_origins: JSON.stringify(client.web_origins),
    allowed_origins: JSON.stringify(client.allowed_origins),
    allowed_logout_urls: JSON.stringify(client.allowed_logout_urls),
    extra: JSON.stringify(client.extra),
    jwt_alg: client.jwt_configuration.alg,
    id_token_lifetime: client.jwt_configuration.lifetime_in_seconds,
    is_management: client.is_management ? 1 : 0,
    is_first_party: client.is_first_party ? 1 : 0,
    client_metadata: JSON.stringify(client.client_metadata),
    created_at: client.created_at,
    updated_at: client.updated_at,
  };
}

export class ClientStore {
  constructor(
    private readonly db: Db,
    private readonly cache: ConfigCache,
  ) {}

  async get(clientId: string): Promise<Client | undefined> {
    const load = async () => {
      const row = await this.db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    };
    return this.cache.readIn(this.db, `client:${clientId}`, load);
  }

  async list(offset: number, limit: number): Promise<{ clients: Client[]; total: number }> {
    const { rows, total } = await pageOf(
      this.db.selectFrom('clients'),
      (q) => q.selectAll().orderBy('created_at').orderBy('client_id'),
      offset,
      limit,
    );
    return { clients: rows.map(fromRow), total };
  }

  /**
   * Every origin some application lets browsers call from: its allowed_origins and web_origins,
   * and the origins of its callbacks (as Auth0 allows them by default). Cached like a client.
   */
  async browserOrigins(): Promise<string[]> {
    const load = async () => {
      const rows = await this.db
        .selectFrom('clients')
        .select(['callbacks', 'web_origins', 'allowed_origins'])
        .execute();
      const origins = new Set<string>();
      for (const row of rows) {
        for (const origin of [
          ...(JSON.parse(row.allowed_origins) as string[]),
          ...(JSON.parse(row.web_origins) as string[]),
        ])
          origins.add(origin.replace(/\/+$/, ''));
        for (const callback of JSON.parse(row.callbacks) as string[]) {
          const origin = URL.canParse(callback) ? new URL(callback).origin : undefined;
          if (origin && origin !== 'null') origins.add(origin);
        }
      }
      return [...origins];
    };
    return (await this.cache.readIn(this.db, 'browser-origins', load)) ?? [];
  }

  async existing(clientIds: string[]): Promise<Set<string>> {
    if (clientIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('clients')
      .select('client_id')
      .where('client_id', 'in', clientIds)
      .execute();
    return new Set(rows.map((r) => r.client_id));
  }

  async insert(client: Client): Promise<void> {
    await this.cache.change(() => this.db.insertInto('clients').values(toRow(client)).execute());
  }

  async update(client: Client): Promise<void> {
    const { client_id, created_at: _created, ...rest } = toRow(client);
    await this.cache.change(() =>
      this.db.updateTable('clients').set(rest).where('client_id', '=', client_id).execute(),
    );
  }

  /** Deletes the client; the database takes it off every connection in the same statement. */
  async delete(clientId: string): Promise<boolean> {
    const result = await this.cache.change(() =>
      this.db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst(),
    );
    return Number(result.numDeletedRows) > 0;
  }

  async hasManagementClient(): Promise<boolean> {
    const row = await this.db
      .selectFrom('clients')
      .select('client_id')
      .where('is_management', '=', 1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
