import type { FastifyRequest } from 'fastify';
import type { ClientCredentials } from '../auth/client-auth.js';
import { InvalidParameter } from '../errors.js';

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

/** The client a request names: `client_id`/`client_secret` in its body, or HTTP Basic. */
export function clientCredentials(
  request: FastifyRequest,
  body: { client_id?: string; client_secret?: string },
): ClientCredentials {
  const basic = basicCredentials(request);
  if (basic && body.client_id && basic.id !== body.client_id)
    throw new InvalidParameter('client_id', 'client_id does not match the Authorization header');
  return { clientId: body.client_id ?? basic?.id, secret: body.client_secret ?? basic?.secret };
}
