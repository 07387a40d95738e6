import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AccessDenied, InvalidRequest } from '../http/errors.js';
import type { Client, ClientStore } from '../store/clients.js';
import { isConfidential } from '../store/clients.js';

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** client_secret_basic: `Authorization: Basic base64(urlencode(id):urlencode(secret))`. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = request.headers.authorization;
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}

export interface ClientCredentials {
  client_id?: string;
  client_secret?: string;
}

/**
 * Finds the calling client and checks its secret. A secret, when given, must be right; a
 * confidential client must give one when `secretRequired` (the token endpoint).
 */
export async function authenticateClient(
  clients: ClientStore,
  request: FastifyRequest,
  body: ClientCredentials,
  secretRequired: boolean,
): Promise<{ client: Client; authenticated: boolean }> {
  const basic = basicCredentials(request);
  const clientId = body.client_id ?? basic?.id;
  const secret = body.client_secret ?? basic?.secret;
  if (!clientId) throw new InvalidRequest('Missing required parameter: client_id');
  if (basic && body.client_id && basic.id !== body.client_id)
    throw new InvalidRequest('client_id does not match the Authorization header');
  const client = await clients.get(clientId);
  if (!client) throw new AccessDenied('Unauthorized', 401);
  if (secret !== undefined) {
    if (!client.client_secret || !safeEqual(secret, client.client_secret))
      throw new AccessDenied('Unauthorized', 401);
    return { client, authenticated: true };
  }
  if (secretRequired && isConfidential(client)) throw new AccessDenied('Unauthorized', 401);
  return { client, authenticated: false };
}
