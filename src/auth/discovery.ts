import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { AuthError } from '../http/errors.js';
import type { Services } from '../services.js';
import { GRANT_CLIENT_CREDENTIALS, GRANT_PASSWORDLESS_OTP } from '../store/clients.js';
import { userinfoAudience, userSub } from './tokens.js';

const Jwks = Type.Object({
  keys: Type.Array(Type.Object({}, { additionalProperties: true, description: 'A public JWK' })),
});

const Discovery = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  userinfo_endpoint: Type.String(),
  jwks_uri: Type.String(),
  end_session_endpoint: Type.String(),
  response_types_supported: Type.Array(Type.String()),
  response_modes_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  subject_types_supported: Type.Array(Type.String()),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
  claims_supported: Type.Array(Type.String()),
});

const UserInfo = Type.Object({
  sub: Type.String(),
  name: Type.String(),
  phone_number: Type.String(),
  phone_verified: Type.Boolean(),
  updated_at: Type.String(),
});

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** JWKS, OpenID discovery and /userinfo. */
export function discoveryRoutes(
  app: App,
  services: Pick<Services, 'config' | 'keys' | 'tokens' | 'users'>,
): void {
  const { issuer } = services.config;
  const url = (path: string) => new URL(path, issuer).toString();

  app.get(
    '/.well-known/jwks.json',
    {
      schema: { tags: ['Discovery'], summary: 'Public keys that verify id_tokens', response: { 200: Jwks } },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return services.keys.publicJwks();
    },
  );

  app.get(
    '/.well-known/openid-configuration',
    { schema: { tags: ['Discovery'], summary: 'OpenID Connect discovery', response: { 200: Discovery } } },
    async () => ({
      issuer,
      authorization_endpoint: url('authorize'),
      token_endpoint: url('oauth/token'),
      userinfo_endpoint: url('userinfo'),
      jwks_uri: url('.well-known/jwks.json'),
      end_session_endpoint: url('oidc/logout'),
      response_types_supported: ['code', 'token', 'id_token', 'id_token token'],
      response_modes_supported: ['query', 'fragment', 'form_post', 'web_message'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
      grant_types_supported: [
        'authorization_code',
        'implicit',
        'refresh_token',
        GRANT_PASSWORDLESS_OTP,
        GRANT_CLIENT_CREDENTIALS,
      ],
      scopes_supported: ['openid', 'profile', 'phone', 'offline_access'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nonce',
        'auth_time',
        'at_hash',
        'name',
        'phone_number',
        'phone_verified',
        'updated_at',
      ],
    }),
  );

  app.get(
    '/userinfo',
    { schema: { tags: ['Authentication API'], summary: 'The signed-in user', response: { 200: UserInfo } } },
    async (request) => {
      const token = bearerToken(request);
      if (!token)
        throw new AuthError(401, 'invalid_request', 'Missing access token', { 'www-authenticate': 'Bearer' });
      let sub: string | undefined;
      try {
        sub = (await services.tokens.verifyAccessToken(token, userinfoAudience(issuer))).sub;
      } catch {
        throw new AuthError(401, 'invalid_token', 'Invalid or expired access token', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      const user = sub?.startsWith('sms|') ? await services.users.get(sub.slice(4)) : undefined;
      if (!user) throw new AuthError(401, 'invalid_token', 'The user no longer exists');
      return {
        sub: userSub(user),
        name: user.phone_number,
        phone_number: user.phone_number,
        phone_verified: user.phone_verified,
        updated_at: new Date(user.updated_at).toISOString(),
      };
    },
  );
}
