import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { AuthError, InvalidRequest } from '../http/errors.js';
import type { Services } from '../services.js';
import { GRANT_LEGACY_RO } from '../store/clients.js';
import { authenticateClient } from './client-auth.js';
import { requireGrant, smsConnectionFor } from './connection-access.js';
import { loginWithCode } from './otp-login.js';

const Body = Type.Object(
  {
    client_id: Type.String(),
    client_secret: Type.Optional(Type.String()),
    connection: Type.String(),
    grant_type: Type.Literal('password'),
    username: Type.String({ description: 'Phone number' }),
    password: Type.String({ description: 'The code received by SMS' }),
    scope: Type.Optional(Type.String()),
    device: Type.Optional(Type.String()),
    nonce: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const Reply = Type.Object({
  id_token: Type.Optional(Type.String()),
  access_token: Type.String(),
  token_type: Type.String(),
});

/** Auth0's legacy resource-owner endpoint, still used by older SDKs and the gateway walk-through. */
export function oauthRoRoute(app: FastifyInstance, services: Services): void {
  app.post<{ Body: Static<typeof Body> }>(
    '/oauth/ro',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Legacy: exchange phone + code for tokens',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'oauth' },
    },
    async (request) => {
      const body = request.body;
      // Clients authenticate here exactly as at /oauth/token: a confidential one needs its secret.
      const { client } = await authenticateClient(services.clients, request, body, true);
      requireGrant(client, GRANT_LEGACY_RO);
      const connection = await smsConnectionFor(
        services.connections,
        client,
        body.connection,
        (d) => new InvalidRequest(d),
      );
      const user = await loginWithCode(
        services,
        client,
        connection,
        body.username,
        body.password,
        () => new AuthError(401, 'invalid_user_password', 'Wrong phone number or verification code.'),
      );
      const scope = body.scope ?? 'openid';
      const idToken = scope.split(' ').includes('openid')
        ? await services.tokens.idToken(client, user, { nonce: body.nonce })
        : undefined;
      return {
        ...(idToken ? { id_token: idToken } : {}),
        access_token: await services.tokens.userAccessToken(client, user, scope),
        token_type: 'bearer',
      };
    },
  );
}
