import { AudienceNotAllowed, ClientAuthenticationFailed, GrantNotAllowed } from '../../errors.js';
import { clientCredentials } from '../../http/client-credentials.js';
import { MANAGEMENT_SCOPES } from '../../management/scopes.js';
import { GRANT_CLIENT_CREDENTIALS } from '../../store/clients.js';
import { authenticateClient } from '../client-auth.js';
import { ACCESS_TOKEN_LIFETIME_S, managementAudience } from '../tokens.js';
import type { Grant } from './types.js';

/** Machine-to-machine tokens; the only API here is the Management API. */
export const clientCredentialsGrant: Grant = {
  grantType: GRANT_CLIENT_CREDENTIALS,
  async handler(deps, request, body) {
    const { client, authenticated } = await authenticateClient(
      deps.clients,
      clientCredentials(request, body),
      true,
    );
    if (!authenticated) throw new ClientAuthenticationFailed();
    if (!client.grant_types.includes(GRANT_CLIENT_CREDENTIALS))
      throw new GrantNotAllowed(GRANT_CLIENT_CREDENTIALS);
    const wanted = managementAudience(deps.config.issuer);
    const audience = body.audience ?? wanted;
    if (audience.replace(/\/?$/, '/') !== wanted)
      throw new AudienceNotAllowed(`Service not found: ${audience}`);
    if (!client.is_management) {
      throw new AudienceNotAllowed(
        `Client is not authorized to access "${wanted}". You need to create a "client-grant" associated to this API.`,
      );
    }
    const requested = body.scope?.split(' ').filter(Boolean);
    const granted = requested
      ? MANAGEMENT_SCOPES.filter((s) => requested.includes(s))
      : [...MANAGEMENT_SCOPES];
    const scope = granted.join(' ');
    return {
      access_token: await deps.tokens.managementAccessToken(client, scope),
      scope,
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      token_type: 'Bearer',
    };
  },
};
