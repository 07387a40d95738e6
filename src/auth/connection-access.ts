import { BadParameter, UnauthorizedClient } from '../http/errors.js';
import { type Client, GRANT_PASSWORDLESS_OTP } from '../store/clients.js';
import type { Connection, ConnectionStore } from '../store/connections.js';

/** The SMS connection a client may use, or the Auth0 error for why not. */
export async function smsConnectionFor(
  connections: ConnectionStore,
  client: Client,
  name: string,
  fail: (description: string) => Error = (d) => new BadParameter('connection', d),
): Promise<Connection> {
  const connection = await connections.getByName(name);
  if (!connection) throw fail('Connection does not exist');
  if (connection.strategy !== 'sms') {
    throw fail('Invalid connection strategy. It must either be a passwordless connection');
  }
  if (!connection.enabled_clients.includes(client.client_id)) throw fail('Connection is disabled');
  return connection;
}

export function requireGrant(client: Client, grantType: string = GRANT_PASSWORDLESS_OTP): void {
  if (!client.grant_types.includes(grantType)) {
    throw new UnauthorizedClient(`Grant type '${grantType}' not allowed for the client.`);
  }
}

export const DEFAULT_TOTP = { time_step: 180, length: 6 };

export function totpOf(connection: Connection): { timeStep: number; length: number } {
  return {
    timeStep: connection.options.totp?.time_step ?? DEFAULT_TOTP.time_step,
    length: connection.options.totp?.length ?? DEFAULT_TOTP.length,
  };
}
