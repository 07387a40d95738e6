import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { App } from '../http/app-type.js';
import type { Services } from '../services.js';
import { setCookie } from '../web/cookies.js';
import { SETUP_COOKIE } from './operators.js';

/** Where `npm run build` puts the dashboard (vite, from admin/): beside the compiled server in dist/. */
export const DASHBOARD_DIST = resolve(import.meta.dirname, '..', '..', 'dist', 'admin-ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** Only files from this origin; the silent login's iframe is this origin too. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>otpline dashboard</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (it builds the dashboard into
dist/admin-ui/), then reload this page. <code>npm start</code> does it for you.</p></body></html>`;

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin');
}

/**
 * The dashboard at /admin/: the built single-page app's files (hashed assets cached for a year,
 * index.html never cached, served for every other /admin/ path so the app's own routes reload),
 * and the setup link's step that hands its token to the login (in an HttpOnly cookie).
 */
export function dashboardRoutes(
  app: App,
  services: Pick<Services, 'operators'>,
  dist = DASHBOARD_DIST,
): void {
  const root = resolve(dist);
  const index = () => {
    const file = join(root, 'index.html');
    return existsSync(file) ? readFileSync(file) : undefined;
  };
  const sendIndex = (reply: FastifyReply) => {
    const html = index();
    return secure(reply)
      .status(html ? 200 : 503)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html ?? NOT_BUILT);
  };

  app.get('/admin', { schema: { hide: true } }, (_request, reply) => reply.redirect('/admin/', 302));
  app.get('/admin/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get<{ Params: { '*': string } }>('/admin/*', { schema: { hide: true } }, (request, reply) => {
    const wanted = request.params['*'];
    const path = normalize(join(root, wanted));
    if (!path.startsWith(root + sep) || wanted.includes('\0')) return sendIndex(reply);
    const type = TYPES[extname(path)];
    const isFile = type !== undefined && existsSync(path) && statSync(path).isFile();
    if (!isFile || path.endsWith('index.html')) {
      // A missing asset is a 404; any other path is one of the app's pages.
      if (wanted.startsWith('assets/')) return reply.status(404).type('text/plain').send('Not found');
      return sendIndex(reply);
    }
    return secure(reply)
      .header(
        'cache-control',
        wanted.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      )
      .type(type)
      .send(readFileSync(path));
  });

  app.post(
    '/admin/setup',
    {
      schema: {
        hide: true,
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }),
      },
    },
    async (request, reply) => {
      if (!(await services.operators.setupTokenValid(request.body.token))) {
        return reply
          .status(400)
          .header('cache-control', 'no-store')
          .send({ error: 'invalid_setup_link', error_description: 'The setup link was used or has expired' });
      }
      // Read back at the end of the dashboard's SMS login (src/admin/dashboard-login.ts).
      setCookie(reply, SETUP_COOKIE, request.body.token, 900);
      return reply.status(204).header('cache-control', 'no-store').send();
    },
  );
}
