import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');
const require = createRequire(import.meta.url);

/** auth0.js's browser build as published (it defines the global `auth0`), not a copy. */
const AUTH0_JS = join(dirname(require.resolve('auth0-js/package.json')), 'dist', 'auth0.min.js');

/**
 * Lock as published on npm has no browser build (the CDN serves that), only CommonJS: bundled here,
 * unmodified, the way an application's bundler would, into a script that defines the global
 * `Auth0LockPasswordless`.
 */
let lockBundle: Promise<Uint8Array> | undefined;
function lockScript(): Promise<Uint8Array> {
  lockBundle ??= build({
    entryPoints: [require.resolve('auth0-lock')],
    bundle: true,
    format: 'iife',
    globalName: 'AuthLock',
    footer: { js: 'window.Auth0LockPasswordless = AuthLock.Auth0LockPasswordless;' },
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    // auth0-js is "type": "module" with a UMD file as "main", which esbuild picks for require() and
    // then reads as ESM (exporting nothing); its "module" build is what webpack, Lock's bundler, takes.
    plugins: [
      {
        name: 'auth0-js-module',
        setup(bundler) {
          bundler.onResolve({ filter: /^auth0-js$/ }, ({ importer }) => {
            const pkg = createRequire(importer).resolve('auth0-js/package.json');
            const { module } = JSON.parse(readFileSync(pkg, 'utf8')) as { module: string };
            return { path: join(dirname(pkg), module) };
          });
        },
      },
    ],
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => {
    const [file] = result.outputFiles;
    if (!file) throw new Error('esbuild produced no Lock bundle');
    return file.contents;
  });
  return lockBundle;
}

export interface EmbeddedApp {
  /** https://localhost:<port>: another origin than otpline's, on the same site. */
  origin: string;
  /** https://127.0.0.1:<port>: the same app on another site than otpline, as most apps are. */
  crossSiteOrigin: string;
  /** The application the pages log in to; call it before loading a page. */
  configure(config: { clientId: string }): void;
  close(): Promise<void>;
}

/**
 * An application that logs in inside its own pages, against otpline at `domain` (host:port):
 * `/` with auth0.js (passwordlessStart, passwordlessLogin, parseHash, checkSession) and `/lock`
 * with Lock's passwordless SMS widget. Each page shows the user's phone number in #user (or
 * "logged out"), the last error in #error, and sets body[data-ready] once it settled.
 */
export async function startEmbeddedApp(domain: string): Promise<EmbeddedApp> {
  let clientId: string | undefined;
  const auth0js = readFileSync(AUTH0_JS);
  const lock = await lockScript();
  const server = createServer(
    { cert: readFileSync(join(certs, 'localhost.pem')), key: readFileSync(join(certs, 'localhost-key.pem')) },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://app').pathname;
      const html = (body: string) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(body);
      };
      if (path === '/auth0.js' || path === '/lock.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(path === '/auth0.js' ? auth0js : lock);
      } else if (path === '/' && clientId) {
        html(auth0jsPage(domain, clientId));
      } else if (path === '/lock' && clientId) {
        html(lockPage(domain, clientId));
      } else {
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end(clientId ? 'not found' : 'configure() first');
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    crossSiteOrigin: `https://127.0.0.1:${port}`,
    configure(config) {
      clientId = config.clientId;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** JSON in a script element: escape "<" so no value can close the element. */
const json = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

const SHARED = `
const show = (id, text) => { document.getElementById(id).textContent = text; };
// A request the browser blocked (CORS) has no code nor description: its original error says why.
const describe = (err) =>
  [err.error || err.code, err.error_description || err.errorDescription || err.description || err.message]
    .filter(Boolean).join(': ') || (err.original && err.original.message) || 'request failed';
const ready = () => { document.body.dataset.ready = 'true'; };`;

function auth0jsPage(domain: string, clientId: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>auth0.js app</title><link rel="icon" href="data:,"></head>
<body>
<h1>auth0.js app</h1>
<label>Phone <input id="phone" type="tel"></label><button id="send" type="button">Send a code</button>
<label>Code <input id="code" inputmode="numeric"></label><button id="verify" type="button">Log in</button>
<button id="check" type="button">Check the session</button>
<p id="user"></p><p id="session"></p><p id="status"></p><p id="error"></p>
<script src="/auth0.js"></script>
<script>
${SHARED}
const webAuth = new auth0.WebAuth({
  domain: ${json(domain)},
  clientID: ${json(clientId)},
  redirectUri: location.origin + '/',
  responseType: 'token id_token',
  scope: 'openid',
});
const value = (id) => document.getElementById(id).value;
document.getElementById('send').onclick = () =>
  webAuth.passwordlessStart({ connection: 'sms', send: 'code', phoneNumber: value('phone') }, (err) =>
    err ? show('error', describe(err)) : show('status', 'code sent'));
document.getElementById('verify').onclick = () =>
  webAuth.passwordlessLogin(
    { connection: 'sms', phoneNumber: value('phone'), verificationCode: value('code') },
    (err) => show('error', describe(err)),
  );
document.getElementById('check').onclick = () =>
  webAuth.checkSession({}, (err, result) =>
    err ? show('error', describe(err)) : show('session', result.idTokenPayload.phone_number));
if (location.hash) {
  webAuth.parseHash({ hash: location.hash }, (err, result) => {
    if (err) show('error', describe(err));
    show('user', (result && result.idTokenPayload && result.idTokenPayload.phone_number) || 'logged out');
    window.accessToken = result && result.accessToken;
    history.replaceState(null, '', '/');
    ready();
  });
} else {
  show('user', 'logged out');
  ready();
}
</script>
</body>
</html>
`;
}

function lockPage(domain: string, clientId: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Lock app</title><link rel="icon" href="data:,"></head>
<body>
<h1>Lock app</h1>
<p id="user"></p><p id="error"></p>
<script src="/lock.js"></script>
<script>
${SHARED}
const lock = new Auth0LockPasswordless(${json(clientId)}, ${json(domain)}, {
  allowedConnections: ['sms'],
  passwordlessMethod: 'code',
  closable: false,
  rememberLastLogin: false,
  auth: { redirectUrl: location.origin + '/lock', responseType: 'token id_token', params: { scope: 'openid' } },
});
lock.on('authenticated', (result) => {
  show('user', result.idTokenPayload.phone_number);
  history.replaceState(null, '', '/lock');
  ready();
});
lock.on('authorization_error', (err) => { show('error', describe(err)); ready(); });
lock.on('hash_parsed', (result) => {
  if (result) return;
  show('user', 'logged out');
  lock.show();
  ready();
});
</script>
</body>
</html>
`;
}
