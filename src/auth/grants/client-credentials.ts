import { AccessDenied, UnauthorizedClient } from '../../http/errors.js';
import { MANAGEMENT_SCOPES } from '../../management/scopes.js';
import { GRANT_CLIENT_CREDENTIALS } from '../../store/clients.js';
import { authenticateClient } from '../client-auth.js';
import { ACCESS_TOKEN_LIFETIME_S, managementAudience } from '../tokens.js';
import type { Grant } from './types.js';

/** Machine-to-machine tokens; the only API here is the Management API. */
export const clientCredentialsGrant: Grant = {
  grantType: GRANT_CLIENT_CREDENTIALS,
  async handler(services, request, body) {
    const { client, authenticated } = await authenticateClient(services.clients, request, body, true);
    if (!authenticated) throw new AccessDenied('Unauthorized', 401);
    if (!client.grant_types.includes(GRANT_CLIENT_CREDENTIALS)) {
      throw new UnauthorizedClient(`Grant type '${GRANT_CLIENT_CREDENTIALS}' not allowed for the client.`);
    }
    const wanted = managementAudience(services.config.issuer);
    const audience = body.audience ?? wanted;
    if (audience.replace(/\/?$/, '/') !== wanted) throw new AccessDenied(`Service not found: ${audience}`);
    if (!client.is_management) {
      throw new AccessDenied(
        `Client is not authorized to access "${wanted}". You need to create a "client-grant" associated to this API.`,
      );
    }
    const requested = body.scope?.split(' ').filter(Boolean);
    const granted = requested
      ? MANAGEMENT_SCOPES.filter((s) => requested.includes(s))
      : [...MANAGEMENT_SCOPES];
    const scope = granted.join(' ');
    return {
      access_token: await services.tokens.managementAccessToken(client, scope),
      scope,
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      token_type: 'Bearer',
    };
  },
};
