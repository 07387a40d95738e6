import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientStore } from '../store/clients.js';
import type { App } from './app-type.js';

/** What browser SDKs (auth0-spa-js, auth0.js, Lock) call from an application's own page. */
const BROWSER_PATHS = [
  /^\/oauth\/token$/,
  /^\/oauth\/revoke$/,
  /^\/userinfo$/,
  /^\/passwordless\/(start|verify)$/,
  /^\/co\/authenticate$/,
  /^\/\.well-known\/(jwks\.json|openid-configuration)$/,
  /^\/client\/[^/]+\.js$/,
  /^\/user\/geoloc\/country$/,
];

/** A registered origin, exactly, or with Auth0's one-level subdomain wildcard (`https://*.example.com`). */
export function originMatches(registered: string, origin: string): boolean {
  if (registered === origin) return true;
  const wildcard = /^(https?):\/\/\*\.([^/*]+)$/.exec(registered);
  const [, scheme, domain] = wildcard ?? [];
  if (!scheme || !domain) return false;
  if (!origin.startsWith(`${scheme}://`)) return false;
  const host = origin.slice(scheme.length + 3);
  return host.endsWith(`.${domain}`) && !host.slice(0, -domain.length - 1).includes('.');
}

/**
 * CORS for the origins applications register, on the endpoints browser SDKs call: preflights are
 * answered, credentials (the cross-origin login cookie) allowed, and nothing at all is said to an
 * origin no application registered, so the browser keeps the answer from it.
 */
export function corsForRegisteredOrigins(app: App, clients: ClientStore): void {
  const allowed = async (request: FastifyRequest): Promise<string | undefined> => {
    const origin = request.headers.origin;
    if (!origin || origin.length > 2048) return undefined;
    const path = request.url.split('?')[0] ?? '';
    if (!BROWSER_PATHS.some((p) => p.test(path))) return undefined;
    const registered = await clients.browserOrigins();
    return registered.some((r) => originMatches(r, origin)) ? origin : undefined;
  };

  const allow = (reply: FastifyReply, origin: string) =>
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');

  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const origin = await allowed(request);
      reply.header('vary', 'Origin');
      if (!origin) return reply.status(403).send();
      return allow(reply, origin)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header(
          'access-control-allow-headers',
          request.headers['access-control-request-headers'] ?? 'content-type, authorization',
        )
        .header('access-control-max-age', '86400')
        .status(204)
        .send();
    }
    const origin = await allowed(request);
    if (origin) allow(reply, origin);
  });
}
