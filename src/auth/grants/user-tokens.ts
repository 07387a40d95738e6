import { operatorGrant } from '../../admin/operator-grant.js';
import { MANAGEMENT_SCOPES } from '../../management/scopes.js';
import type { Client } from '../../store/clients.js';
import type { User } from '../../store/users.js';
import { newSecret } from '../../util/ids.js';
import { ACCESS_TOKEN_LIFETIME_S, OPERATOR_TOKEN_LIFETIME_S, type TokenResponse } from '../tokens.js';
import type { GrantDeps } from './types.js';

/** Auth0's defaults for rotating refresh tokens: 30 days in all, 15 days unused. */
export const REFRESH_ABSOLUTE_MS = 30 * 24 * 3600_000;
export const REFRESH_IDLE_MS = 15 * 24 * 3600_000;

export interface UserTokenOptions {
  scope: string;
  audience?: string;
  nonce?: string;
  authTime?: number;
  /** When rotating: the family the new refresh token joins, and when that family began. */
  family?: { id: string; createdAt: number };
}

/**
 * The tokens of a signed-in user: an access token, an id_token when `openid` was asked for, and a
 * refresh token when `offline_access` was asked for and the client may use refresh tokens. Each
 * refresh token is single-use (rotation); its family ends 30 days after the login.
 */
export async function issueUserTokens(
  deps: GrantDeps,
  client: Client,
  user: User,
  options: UserTokenOptions,
): Promise<TokenResponse> {
  const scopes = options.scope.split(' ').filter(Boolean);
  // The dashboard's operators get a Management API token, checked again here at every refresh.
  const operator = await operatorGrant(deps, client, user, options.audience);
  // Both signatures run on the threadpool at once, not one after the other.
  const [accessToken, idToken] = await Promise.all([
    operator
      ? deps.tokens.operatorAccessToken(client, user, MANAGEMENT_SCOPES.join(' '))
      : deps.tokens.userAccessToken(client, user, options.scope),
    scopes.includes('openid')
      ? deps.tokens.idToken(client, user, { nonce: options.nonce, authTime: options.authTime })
      : undefined,
  ]);
  const response: TokenResponse = {
    access_token: accessToken,
    ...(idToken ? { id_token: idToken } : {}),
    scope: options.scope,
    expires_in: operator ? OPERATOR_TOKEN_LIFETIME_S : ACCESS_TOKEN_LIFETIME_S,
    token_type: 'Bearer',
  };
  if (scopes.includes('offline_access') && client.grant_types.includes('refresh_token')) {
    const now = deps.clock.now();
    const family = options.family ?? { id: newSecret(), createdAt: now };
    const refreshToken = newSecret();
    await deps.stores.webLogins.saveRefreshToken(refreshToken, {
      family_id: family.id,
      client_id: client.client_id,
      user_id: user.id,
      scope: options.scope,
      audience: options.audience ?? null,
      status: 'active',
      created_at: family.createdAt,
      expires_at: Math.min(family.createdAt + REFRESH_ABSOLUTE_MS, now + REFRESH_IDLE_MS),
    });
    response.refresh_token = refreshToken;
  }
  return response;
}
