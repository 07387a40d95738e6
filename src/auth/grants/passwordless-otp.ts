import { AccessDenied, InvalidGrant, InvalidRequest } from '../../http/errors.js';
import { GRANT_PASSWORDLESS_OTP } from '../../store/clients.js';
import { authenticateClient } from '../client-auth.js';
import { requireGrant, smsConnectionFor } from '../connection-access.js';
import { loginWithCode } from '../otp-login.js';
import { ACCESS_TOKEN_LIFETIME_S, userinfoAudience } from '../tokens.js';
import type { Grant } from './types.js';

function required(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === '') throw new InvalidRequest(`Missing required parameter: ${name}`);
  if (typeof value !== 'string') throw new InvalidRequest(`Invalid parameter: ${name} must be a string`);
  return value;
}

/** `http://auth0.com/oauth/grant-type/passwordless/otp`: phone + code for tokens. */
export const passwordlessOtpGrant: Grant = {
  grantType: GRANT_PASSWORDLESS_OTP,
  async handler(services, request, body) {
    const username = required(body, 'username');
    const otp = required(body, 'otp');
    const realm = required(body, 'realm');
    const { client } = await authenticateClient(services.clients, request, body, true);
    requireGrant(client, GRANT_PASSWORDLESS_OTP);
    const connection = await smsConnectionFor(
      services.connections,
      client,
      realm,
      (d) => new InvalidRequest(d),
    );
    const audience = body.audience;
    if (audience !== undefined && audience !== '' && audience !== userinfoAudience(services.config.issuer)) {
      throw new AccessDenied(`Service not found: ${audience}`);
    }
    const user = await loginWithCode(services, client, connection, username, otp, () => new InvalidGrant());
    const scope = body.scope ?? 'openid';
    const scopes = scope.split(' ').filter(Boolean);
    const accessToken = await services.tokens.userAccessToken(client, user, scope);
    return {
      access_token: accessToken,
      ...(scopes.includes('openid')
        ? { id_token: await services.tokens.idToken(client, user, { nonce: body.nonce }) }
        : {}),
      scope,
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      token_type: 'Bearer',
    };
  },
};
