import { clientCredentials } from '../../http/client-credentials.js';
import { AuthError } from '../../http/errors.js';
import { authenticateClient } from '../client-auth.js';
import { requireGrant } from '../connection-access.js';
import type { Grant } from './types.js';
import { issueUserTokens } from './user-tokens.js';

const invalidGrant = (description: string) => new AuthError(400, 'invalid_grant', description);

/**
 * `refresh_token` with rotation: each refresh token works once and is replaced by a new one of the
 * same family. A rotated token presented again means two parties hold it: the whole family is
 * revoked, so the thief's copy and the user's both stop working (Auth0's reuse detection).
 */
export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  async handler(deps, request, body) {
    const token = body.refresh_token;
    if (typeof token !== 'string' || token === '')
      throw new AuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const { client } = await authenticateClient(deps.clients, clientCredentials(request, body), true);
    requireGrant(client, 'refresh_token');
    const store = deps.stores.webLogins;
    const rotated = await store.rotateRefreshToken(token, deps.clock.now());
    if (!rotated) throw invalidGrant('Unknown or invalid refresh token.');
    if ('reused' in rotated) {
      request.log.warn(
        { clientId: client.client_id },
        'a rotated refresh token was used again: family revoked',
      );
      await store.revokeFamily(rotated.reused.family_id);
      throw invalidGrant('Unknown or invalid refresh token.');
    }
    const old = rotated.row;
    if (old.client_id !== client.client_id) {
      await store.revokeFamily(old.family_id);
      throw invalidGrant('Unknown or invalid refresh token.');
    }
    const user = await deps.users.get(old.user_id);
    if (!user) throw invalidGrant('Unknown or invalid refresh token.');
    // A narrower scope may be asked for, never a wider one.
    const granted = old.scope.split(' ').filter(Boolean);
    const asked = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : granted;
    if (asked.some((s) => !granted.includes(s))) {
      throw new AuthError(403, 'invalid_scope', 'The scope may not be wider than the one granted');
    }
    const scope =
      asked.includes('offline_access') || !granted.includes('offline_access')
        ? asked
        : [...asked, 'offline_access'];
    return issueUserTokens(deps, client, user, {
      scope: scope.join(' '),
      audience: old.audience ?? undefined,
      family: { id: old.family_id, createdAt: old.created_at },
    });
  },
};
