import Type from 'typebox';
import type { App } from '../http/app-type.js';
import type { Services } from '../services.js';
import { regionOf } from './authorize.js';

export type ClientInfoDeps = Pick<Services, 'clients' | 'connections' | 'config'>;

/** JSON inside a script: no value can close a script element or start a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * What Lock reads before it shows itself: `GET /client/<client_id>.js`, a script calling
 * `Auth0.setClient({...})` with the application's public settings and its connections (the sms
 * ones enabled for it), and `GET /user/geoloc/country` for the phone field's first country.
 * Nothing secret, and no outside lookup: the country comes from the browser's language.
 */
export function clientInfoRoutes(app: App, deps: ClientInfoDeps): void {
  const { issuer } = deps.config;
  const tenant = new URL(issuer).hostname.split('.')[0] ?? 'otpline';

  app.get(
    '/client/:file',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Lock: the application’s public settings, as a script (/client/<client_id>.js)',
        params: Type.Object({ file: Type.String({ maxLength: 200 }) }),
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      const clientId = file.endsWith('.js') ? file.slice(0, -3) : undefined;
      const client = clientId ? await deps.clients.get(clientId) : undefined;
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff');
      // A script error (not a 200 with nothing in it) is what tells Lock the client does not exist.
      if (!client) return reply.status(404).send('/* Unknown client */\n');
      const { connections } = await deps.connections.list({ strategy: 'sms' }, 0, 100);
      const enabled = connections.filter((c) => c.enabled_clients.includes(client.client_id));
      const settings = {
        id: client.client_id,
        tenant,
        // Lock shows an Auth0 badge to 'free' and 'dev' tenants only: an otpline login page has none.
        subscription: 'self_hosted',
        authorize: new URL('authorize', issuer).toString(),
        hasAllowedOrigins: client.allowed_origins.length > 0,
        strategies:
          enabled.length > 0
            ? [
                {
                  name: 'sms',
                  connections: enabled.map((c) => ({
                    name: c.name,
                    ...(c.display_name ? { display_name: c.display_name } : {}),
                  })),
                },
              ]
            : [],
      };
      return reply.send(`Auth0.setClient(${scriptJson(settings)});\n`);
    },
  );

  app.get(
    '/user/geoloc/country',
    {
      schema: {
        tags: ['Authentication API'],
        summary:
          'Lock: the country the phone field starts with (from Accept-Language, else the configured one)',
        response: { 200: Type.Object({ country_code: Type.String() }) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store').header('vary', 'Accept-Language');
      return {
        country_code: regionOf(request.headers['accept-language']) ?? deps.config.login.defaultCountry,
      };
    },
  );
}
