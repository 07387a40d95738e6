import { ClientAuthenticationFailed, InvalidParameter, UnknownClient } from '../errors.js';
import type { Client, ClientStore } from '../store/clients.js';
import { isConfidential } from '../store/clients.js';
import { sameSecretText } from '../util/compare.js';

/** What a caller says about which client it is (from the body, or HTTP Basic). */
export interface ClientCredentials {
  clientId?: string;
  secret?: string;
}

/**
 * Finds the calling client and checks its secret. A secret, when given, must be right; a
 * confidential client must give one when `secretRequired` (the token endpoints).
 */
export async function authenticateClient(
  clients: ClientStore,
  credentials: ClientCredentials,
  secretRequired: boolean,
): Promise<{ client: Client; authenticated: boolean }> {
  const { clientId, secret } = credentials;
  if (!clientId) throw new InvalidParameter('client_id', 'Missing required parameter: client_id');
  const client = await clients.get(clientId);
  if (!client) throw new UnknownClient(clientId);
  if (secret !== undefined) {
    if (!client.client_secret || !sameSecretText(secret, client.client_secret))
      throw new ClientAuthenticationFailed();
    return { client, authenticated: true };
  }
  if (secretRequired && isConfidential(client)) throw new ClientAuthenticationFailed();
  return { client, authenticated: false };
}
