import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from '../helpers/server.js';
import { codeIn, type SmsSink } from '../helpers/sms-sink.js';

export const DASHBOARD = 'otpline-dashboard';

/** A cookie jar over fetch for the hosted login's forms (no redirects followed). */
export class FormBrowser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async request(method: string, path: string, form?: Record<string, string>) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (/Max-Age=0\b/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1));
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  }
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The dashboard's login over HTTP, as auth0-spa-js drives it: /authorize with the Management API
 * audience, the phone, the code from the SMS, then the code exchange. Returns the redirect's query
 * and, when a code came back, the token response.
 */
export async function dashboardLogin(
  server: TestServer,
  sink: SmsSink,
  phone: string,
  options: {
    browser?: FormBrowser;
    clientId?: string;
    redirectUri?: string;
    /** false: the phone is no operator, so no SMS should come (checked for half a second). */
    expectSms?: boolean;
  } = {},
) {
  const browser = options.browser ?? new FormBrowser(server.url);
  const { verifier, challenge } = pkce();
  const redirectUri = options.redirectUri ?? `${server.config.issuer}admin/`;
  const query = new URLSearchParams({
    client_id: options.clientId ?? DASHBOARD,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile offline_access',
    audience: `${server.config.issuer}api/v2/`,
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const page = await browser.request('GET', `/authorize?${query}`);
  if (page.status !== 200) return { params: new URL(page.location ?? 'x:/').searchParams, page };
  const before = sink.received.length;
  const codePage = await browser.request('POST', '/authorize/phone', {
    csrf: csrfOf(page.html),
    phone_number: phone,
  });
  if (options.expectSms === false) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { params: new URLSearchParams(), page: codePage, smsSent: sink.received.length > before };
  }
  await sink.waitFor(before + 1);
  const sms = sink.received[before];
  const code = codeIn(sms?.body.body);
  const back = await browser.request('POST', '/authorize/code', { csrf: csrfOf(codePage.html), code });
  const params = new URL(back.location ?? 'x:/').searchParams;
  const authCode = params.get('code');
  if (!authCode) return { params, page: back };
  const token = await server.call('POST', '/oauth/token', {
    form: {
      grant_type: 'authorization_code',
      client_id: options.clientId ?? DASHBOARD,
      code: authCode,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    },
  });
  return { params, page: back, token: token.body as Record<string, string>, tokenStatus: token.status };
}
