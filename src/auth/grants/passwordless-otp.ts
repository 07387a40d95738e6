import { InvalidParameter } from '../../errors.js';
import { clientCredentials } from '../../http/client-credentials.js';
import { GRANT_PASSWORDLESS_OTP } from '../../store/clients.js';
import { passwordlessLogin } from '../passwordless-login.js';
import { userAgent } from '../request-info.js';
import { ACCESS_TOKEN_LIFETIME_S } from '../tokens.js';
import type { Grant } from './types.js';

function required(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === '')
    throw new InvalidParameter(name, `Missing required parameter: ${name}`);
  if (typeof value !== 'string')
    throw new InvalidParameter(name, `Invalid parameter: ${name} must be a string`);
  return value;
}

/** `http://auth0.com/oauth/grant-type/passwordless/otp`: phone + code for tokens. */
export const passwordlessOtpGrant: Grant = {
  grantType: GRANT_PASSWORDLESS_OTP,
  async handler(deps, request, body) {
    const username = required(body, 'username');
    const otp = required(body, 'otp');
    const realm = required(body, 'realm');
    const { client, user } = await passwordlessLogin(deps, {
      credentials: clientCredentials(request, body),
      grantType: GRANT_PASSWORDLESS_OTP,
      connection: realm,
      username,
      code: otp,
      audience: body.audience,
      ip: request.ip,
      userAgent: userAgent(request),
    });
    const scope = body.scope ?? 'openid';
    const scopes = scope.split(' ').filter(Boolean);
    // Both signatures run on the threadpool at once, not one after the other.
    const [accessToken, idToken] = await Promise.all([
      deps.tokens.userAccessToken(client, user, scope),
      scopes.includes('openid') ? deps.tokens.idToken(client, user, { nonce: body.nonce }) : undefined,
    ]);
    return {
      access_token: accessToken,
      ...(idToken ? { id_token: idToken } : {}),
      scope,
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      token_type: 'Bearer',
    };
  },
};
