import { ConnectionUnavailable, GrantNotAllowed } from '../errors.js';
import { type Client, GRANT_PASSWORDLESS_OTP } from '../store/clients.js';
import type { Connection, ConnectionStore } from '../store/connections.js';

/** The SMS connection a client may use, or why not. */
export async function smsConnectionFor(
  connections: ConnectionStore,
  client: Client,
  name: string,
): Promise<Connection> {
  const connection = await connections.getByName(name);
  if (!connection) throw new ConnectionUnavailable('unknown_connection');
  if (connection.strategy !== 'sms') throw new ConnectionUnavailable('not_a_passwordless_connection');
  if (!connection.enabled_clients.includes(client.client_id))
    throw new ConnectionUnavailable('disabled_connection');
  return connection;
}

export function requireGrant(client: Client, grantType: string = GRANT_PASSWORDLESS_OTP): void {
  if (!client.grant_types.includes(grantType)) throw new GrantNotAllowed(grantType);
}

export const DEFAULT_TOTP = { time_step: 180, length: 6 };

export function totpOf(connection: Connection): { timeStep: number; length: number } {
  return {
    timeStep: connection.options.totp?.time_step ?? DEFAULT_TOTP.time_step,
    length: connection.options.totp?.length ?? DEFAULT_TOTP.length,
  };
}
