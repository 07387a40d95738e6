import { createHash } from 'node:crypto';
import { clientCredentials } from '../../http/client-credentials.js';
import { AuthError } from '../../http/errors.js';
import { sameSecretText } from '../../util/compare.js';
import { authenticateClient } from '../client-auth.js';
import { requireGrant } from '../connection-access.js';
import type { Grant } from './types.js';
import { issueUserTokens } from './user-tokens.js';

const invalidGrant = (description: string) => new AuthError(400, 'invalid_grant', description);

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new AuthError(400, 'invalid_request', `Missing required parameter: ${name}`);
  return value;
}

/**
 * `authorization_code`: the code the hosted login sent back to the application, for tokens. Codes
 * are single-use, live two minutes, and are bound to the client, its redirect URI and (PKCE) to the
 * verifier only the application that started the login holds. A code used twice means it leaked:
 * the refresh tokens it (or any later login of that user at that client) led to are revoked.
 */
export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  async handler(deps, request, body) {
    const code = requiredString(body, 'code');
    const { client, authenticated } = await authenticateClient(
      deps.clients,
      clientCredentials(request, body),
      true,
    );
    requireGrant(client, 'authorization_code');
    const used = await deps.stores.webLogins.useCode(code, deps.clock.now());
    if (!used) throw invalidGrant('Invalid authorization code');
    if ('reused' in used) {
      request.log.warn({ clientId: client.client_id }, 'an authorization code was used twice');
      await deps.stores.webLogins.revokeUserClient(used.reused.user_id, used.reused.client_id);
      throw invalidGrant('Invalid authorization code');
    }
    const grant = used.row;
    if (grant.client_id !== client.client_id) throw invalidGrant('Invalid authorization code');
    // The redirect_uri must be the one the code was sent to (RFC 6749 4.1.3); SDKs always send it.
    if (body.redirect_uri !== undefined && body.redirect_uri !== grant.redirect_uri)
      throw invalidGrant('redirect_uri does not match the one of the authorization request');
    if (grant.code_challenge) {
      const verifier = body.code_verifier;
      if (typeof verifier !== 'string' || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
        throw invalidGrant('Missing or malformed code_verifier');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!sameSecretText(challenge, grant.code_challenge))
        throw invalidGrant('Failed to verify code verifier');
    } else if (!authenticated) {
      // Without PKCE only the client secret proves who redeems the code.
      throw invalidGrant('Missing client authentication');
    }
    const user = await deps.users.get(grant.user_id);
    if (!user) throw invalidGrant('The user no longer exists');
    return issueUserTokens(deps, client, user, {
      scope: grant.scope,
      audience: grant.audience ?? undefined,
      nonce: grant.nonce ?? undefined,
      authTime: grant.auth_time,
    });
  },
};
