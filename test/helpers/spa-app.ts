import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

const certs = process.env.OTPLINE_TEST_CERTS ?? join(import.meta.dirname, '..', '.certs');

/** The UMD build of @auth0/auth0-spa-js as published (it defines the global `auth0`), not a copy. */
const SDK_FILE = join(
  dirname(createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/package.json')),
  'dist',
  'auth0-spa-js.production.js',
);

export interface SpaConfig {
  clientId: string;
  /** Ask for offline_access and keep a refresh token (with the iframe as fallback); true by default. */
  refreshTokens?: boolean;
  /** How long the hidden iframe of a silent login may take before the SDK gives up. */
  silentTimeoutSeconds?: number;
  /** Where the SDK keeps tokens: memory (the default: a reload forgets them) or localstorage. */
  cacheLocation?: 'memory' | 'localstorage';
}

export interface SpaApp {
  /** https://localhost:<port>: another origin than otpline's, the same site (ports do not count). */
  origin: string;
  /** https://127.0.0.1:<port>: the same app on another site than otpline, as a real app would be. */
  crossSiteOrigin: string;
  /** The application the page logs in to; call it before loading the page. */
  configure(config: SpaConfig): void;
  close(): Promise<void>;
}

/**
 * A single-page app that logs in with auth0-spa-js, unmodified, against otpline at `domain`
 * (host:port). It shows the user's phone number in #user (or "logged out"), the last error in
 * #error, and has #login, #logout and #refresh buttons; body[data-ready] is set once it settled.
 * The last access token it got is in window.accessToken, for the test to compare.
 */
export async function startSpaApp(domain: string): Promise<SpaApp> {
  let config: SpaConfig | undefined;
  const sdk = readFileSync(SDK_FILE);
  const server = createServer(
    { cert: readFileSync(join(certs, 'localhost.pem')), key: readFileSync(join(certs, 'localhost-key.pem')) },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://app').pathname;
      if (path === '/auth0-spa-js.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(sdk);
      } else if (path === '/' && config) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(page(domain, config));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(config ? 'not found' : 'configure() first');
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    crossSiteOrigin: `https://127.0.0.1:${port}`,
    configure(next) {
      config = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function page(domain: string, config: SpaConfig): string {
  const refreshTokens = config.refreshTokens ?? true;
  const options = {
    domain,
    clientId: config.clientId,
    authorizationParams: {
      connection: 'sms',
      scope: refreshTokens ? 'openid profile offline_access' : 'openid profile',
    },
    // By default nothing survives a reload but otpline's session cookie: a reload is a silent login.
    cacheLocation: config.cacheLocation ?? 'memory',
    useRefreshTokens: refreshTokens,
    // With a refresh token only in memory, a reload has none: fall back to the iframe then.
    useRefreshTokensFallback: true,
    authorizeTimeoutInSeconds: config.silentTimeoutSeconds ?? 5,
  };
  // JSON in a script element: escape "<" so no value can close the element.
  const json = JSON.stringify(options).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test SPA</title><link rel="icon" href="data:,"></head>
<body>
<h1>Test SPA</h1>
<button id="login" type="button" disabled>Log in</button>
<button id="logout" type="button" disabled>Log out</button>
<button id="refresh" type="button" disabled>Refresh the token</button>
<p id="user"></p>
<p id="error"></p>
<p id="token"></p>
<script src="/auth0-spa-js.js"></script>
<script>
(async () => {
  const options = ${json};
  options.authorizationParams.redirect_uri = location.origin + '/';
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const describe = (err) => [err.error, err.error_description || err.message].filter(Boolean).join(': ');
  try {
    const client = await auth0.createAuth0Client(options);
    const params = new URLSearchParams(location.search);
    try {
      if ((params.has('code') || params.has('error')) && params.has('state')) {
        await client.handleRedirectCallback();
        history.replaceState(null, '', '/');
        window.accessToken = await client.getTokenSilently();
      } else {
        // The hidden iframe: /authorize?prompt=none&response_mode=web_message with otpline's cookie.
        window.accessToken = await client.getTokenSilently();
      }
    } catch (err) {
      show('error', describe(err));
    }
    const user = await client.getUser();
    show('user', (user && user.phone_number) || 'logged out');
    let refreshes = 0;
    document.getElementById('login').onclick = () => client.loginWithRedirect();
    document.getElementById('logout').onclick = () =>
      client.logout({ logoutParams: { returnTo: location.origin + '/' } });
    document.getElementById('refresh').onclick = async () => {
      try {
        // Past the cache: the refresh token grant (or the iframe, without one).
        window.accessToken = await client.getTokenSilently({ cacheMode: 'off' });
        show('token', 'refreshed ' + ++refreshes);
      } catch (err) {
        show('error', describe(err));
      }
    };
    for (const id of ['login', 'logout', 'refresh']) document.getElementById(id).disabled = false;
  } catch (err) {
    show('error', describe(err));
  }
  document.body.dataset.ready = 'true';
})();
</script>
</body>
</html>
`;
}
