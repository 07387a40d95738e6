import { csrfOf, HttpBrowser, pkce } from '../helpers/http-browser.js';

export { csrfOf, pkce };

import type { TestServer } from '../helpers/server.js';
import { codeIn, type SmsSink } from '../helpers/sms-sink.js';

export const DASHBOARD = 'otpline-dashboard';

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
    browser?: HttpBrowser;
    clientId?: string;
    redirectUri?: string;
    /** false: the phone is no operator, so no SMS should come (checked for half a second). */
    expectSms?: boolean;
  } = {},
) {
  const browser = options.browser ?? new HttpBrowser(server.url);
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
  const page = await browser.get(`/authorize?${query}`);
  if (page.status !== 200) return { params: new URL(page.location ?? 'x:/').searchParams, page };
  const before = sink.received.length;
  const codePage = await browser.postForm('/authorize/phone', {
    csrf: csrfOf(page.text),
    phone_number: phone,
  });
  if (options.expectSms === false) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { params: new URLSearchParams(), page: codePage, smsSent: sink.received.length > before };
  }
  await sink.waitFor(before + 1);
  const sms = sink.received[before];
  const code = codeIn(sms?.body.body);
  const back = await browser.postForm('/authorize/code', { csrf: csrfOf(codePage.text), code });
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
