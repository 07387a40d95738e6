import Type from 'typebox';
import { UnsupportedGrantType } from '../errors.js';
import type { App } from '../http/app-type.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { passwordlessOtpGrant } from './grants/passwordless-otp.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { Grant, GrantDeps, TokenRequestBody } from './grants/types.js';

const grants = new Map<string, Grant>(
  [passwordlessOtpGrant, clientCredentialsGrant, authorizationCodeGrant, refreshTokenGrant].map((g) => [
    g.grantType,
    g,
  ]),
);

const optionalString = (description: string) => Type.Optional(Type.String({ description, maxLength: 2048 }));

const Body = Type.Object(
  {
    grant_type: Type.String({
      description:
        'authorization_code, refresh_token, client_credentials or http://auth0.com/oauth/grant-type/passwordless/otp',
    }),
    client_id: optionalString('The application (or use HTTP Basic)'),
    client_secret: optionalString('Required for confidential applications (or use HTTP Basic)'),
    audience: optionalString('API the access token is for'),
    scope: optionalString('Space-separated scopes; "openid" adds an id_token'),
    username: optionalString('Phone number (passwordless OTP grant)'),
    otp: optionalString('The code received by SMS (passwordless OTP grant)'),
    realm: optionalString('Connection name (passwordless OTP grant)'),
    nonce: optionalString('Copied into the id_token'),
    code: optionalString('The authorization code (authorization_code grant)'),
    redirect_uri: optionalString('The redirect_uri of the authorization request (authorization_code grant)'),
    code_verifier: optionalString('PKCE: the secret whose SHA-256 was the code_challenge'),
    refresh_token: optionalString('The refresh token to rotate (refresh_token grant)'),
  },
  { additionalProperties: true },
);

const Reply = Type.Object({
  access_token: Type.String(),
  id_token: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
  expires_in: Type.Integer(),
  token_type: Type.String(),
});

export function tokenEndpointRoute(app: App, deps: GrantDeps): void {
  app.post(
    '/oauth/token',
    {
      schema: {
        tags: ['Authentication API'],
        summary:
          'Exchange an SMS code, an authorization code, a refresh token or client credentials for tokens',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'oauth' },
    },
    async (request, reply) => {
      const grant = grants.get(request.body.grant_type);
      if (!grant) throw new UnsupportedGrantType(request.body.grant_type);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return grant.handler(deps, request, request.body as TokenRequestBody);
    },
  );
}
