import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { clientCredentials } from '../http/client-credentials.js';
import { GRANT_LEGACY_RO } from '../store/clients.js';
import type { GrantDeps } from './grants/types.js';
import { passwordlessLogin } from './passwordless-login.js';
import { userAgent } from './request-info.js';

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
export function oauthRoRoute(app: App, deps: GrantDeps): void {
  app.post(
    '/oauth/ro',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Legacy: exchange phone + code for tokens',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'legacy_ro' },
    },
    async (request) => {
      const body = request.body;
      const { client, user } = await passwordlessLogin(deps, {
        credentials: clientCredentials(request, body),
        grantType: GRANT_LEGACY_RO,
        connection: body.connection,
        username: body.username,
        code: body.password,
        ip: request.ip,
        userAgent: userAgent(request),
      });
      const scope = body.scope ?? 'openid';
      const idToken = scope.split(' ').includes('openid')
        ? await deps.tokens.idToken(client, user, { nonce: body.nonce })
        : undefined;
      return {
        ...(idToken ? { id_token: idToken } : {}),
        access_token: await deps.tokens.userAccessToken(client, user, scope),
        token_type: 'bearer',
      };
    },
  );
}
