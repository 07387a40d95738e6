import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import Type, { type Static } from 'typebox';
import { audienceAllowed, claimSetupLink, mayGetCode, operatorSmsWanted } from '../admin/dashboard-login.js';
import { loginWithCode } from '../auth/passwordless-login.js';
import { userAgent } from '../auth/request-info.js';
import { type SendCodeDeps, sendCode } from '../auth/send-code.js';
import { ACCESS_TOKEN_LIFETIME_S, userinfoAudience } from '../auth/tokens.js';
import { OtplineError } from '../errors.js';
import type { App } from '../http/app-type.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Client } from '../store/clients.js';
import type { Connection } from '../store/connections.js';
import { secretHash } from '../store/web-logins.js';
import { sameSecretText } from '../util/compare.js';
import { newSecret } from '../util/ids.js';
import { assetRoutes } from './assets.js';
import {
  CO_VERIFIER_COOKIE,
  CookieSigner,
  clearCookie,
  cookiesOf,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  setCookie,
} from './cookies.js';
import { fill, pickLanguage, type Words, wordsFor } from './i18n.js';
import { type Branding, codePage, escapeHtml, messagePage, phonePage, readablePhone } from './pages.js';

/** How long one login at the page may take, from /authorize to the code typed. */
const LOGIN_TTL_MS = 15 * 60_000;
/** The browser session that makes the next /authorize silent. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;
/** Authorization codes are for an immediate exchange. */
const AUTHORIZATION_CODE_TTL_MS = 120_000;

export type ResponseMode = 'query' | 'fragment' | 'form_post' | 'web_message';
const RESPONSE_MODES: readonly string[] = ['query', 'fragment', 'form_post', 'web_message'];

/** The code flow, or the implicit flow auth0.js and Lock apps often use (tokens straight from /authorize). */
export type ResponseType = 'code' | 'token' | 'id_token' | 'id_token token';

/** A response_type in any order (`token id_token`), or undefined when otpline does not do it (hybrid flows). */
function responseTypeOf(value: string | undefined): ResponseType | undefined {
  const parts = [...new Set((value ?? '').split(' ').filter(Boolean))].sort().join(' ');
  return ['code', 'token', 'id_token', 'id_token token'].includes(parts)
    ? (parts as ResponseType)
    : undefined;
}

/** One login in progress, carried by the browser in a signed cookie (no table, any node reads it). */
export interface LoginTransaction {
  exp: number;
  csrf: string;
  clientId: string;
  connection: string;
  redirectUri: string;
  responseMode: ResponseMode;
  /** `code` when absent (logins started before the implicit flow existed). */
  responseType?: ResponseType;
  state?: string;
  nonce?: string;
  scope: string;
  audience?: string;
  codeChallenge?: string;
  language: string;
  country: string;
  /** E.164, once a code was sent. */
  phone?: string;
}

export type WebDeps = SendCodeDeps & Pick<Services, 'secrets' | 'logger' | 'tokens' | 'config' | 'operators'>;

const short = (description: string, maxLength = 512) =>
  Type.Optional(Type.String({ description, maxLength }));

const AuthorizeQuery = Type.Object(
  {
    response_type: short('code'),
    client_id: short('The application'),
    redirect_uri: short('One of the application’s callbacks (exact match)', 2048),
    scope: short('openid profile phone offline_access', 1024),
    state: short('Returned as is'),
    nonce: short('Copied into the id_token'),
    code_challenge: short('PKCE: BASE64URL(SHA-256(code_verifier)); required for public applications', 128),
    code_challenge_method: short('S256 (plain is refused)', 16),
    connection: short('The sms connection; the first enabled one by default', 128),
    prompt: short('none (silent login, or login_required) or login (ask again)', 64),
    response_mode: short('query (default), fragment, form_post or web_message', 32),
    ui_locales: short('Languages, space-separated: en, es, fr, de', 128),
    login_hint: short('A phone number to fill in', 64),
    audience: short('The API the access token is for', 2048),
    max_age: short('Seconds since the last login beyond which the user signs in again', 16),
    login_ticket: short('Embedded login: the ticket from /co/authenticate; logs in without the page', 128),
    realm: short('Embedded login: the connection the ticket is for', 128),
  },
  { additionalProperties: true },
);

const FormBody = Type.Object(
  {
    csrf: Type.String({ maxLength: 128 }),
    phone_number: Type.Optional(Type.String({ maxLength: 64 })),
    country: Type.Optional(Type.String({ maxLength: 2 })),
    code: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: true },
);

function originOf(url: string): string {
  return new URL(url).origin;
}

/** The region of the browser's first language (en-GB → GB), for the country picker's default. */
export function regionOf(acceptLanguage: string | undefined): string | undefined {
  const match = /^[a-z]{2,3}-([A-Z]{2})\b/i.exec(acceptLanguage?.split(',')[0]?.trim() ?? '');
  return match?.[1]?.toUpperCase();
}

function branding(client: Client): Branding {
  const logo = client.extra.logo_uri;
  const color = client.client_metadata.brand_color;
  return {
    appName: client.name,
    ...(typeof logo === 'string' ? { logoUrl: logo } : {}),
    ...(typeof color === 'string' ? { color } : {}),
  };
}

/** Headers of every page: no framing, no caching, scripts only from here (and one nonce). */
function securePage(
  reply: FastifyReply,
  options: { styleNonce: string; scriptNonce?: string; formAction?: string; frameAncestor?: string },
): FastifyReply {
  const script = ["'self'", ...(options.scriptNonce ? [`'nonce-${options.scriptNonce}'`] : [])].join(' ');
  const formAction = ["'self'", ...(options.formAction ? [options.formAction] : [])].join(' ');
  return reply
    .header(
      'content-security-policy',
      [
        "default-src 'none'",
        `script-src ${script}`,
        `style-src 'self' 'nonce-${options.styleNonce}'`,
        "img-src 'self' https: data:",
        "connect-src 'self'",
        `form-action ${formAction}`,
        `frame-ancestors ${options.frameAncestor ?? "'none'"}`,
        "base-uri 'none'",
      ].join('; '),
    )
    .header('x-frame-options', options.frameAncestor ? undefined : 'DENY')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8');
}

const nonce = () => randomBytes(16).toString('base64url');

/** Sends the answer (a code, or an error) to the application, in the response mode it asked for. */
export function respond(
  reply: FastifyReply,
  to: { redirectUri: string; responseMode: ResponseMode; state?: string },
  params: Record<string, string>,
): FastifyReply {
  const all = { ...params, ...(to.state !== undefined ? { state: to.state } : {}) };
  const styleNonce = nonce();
  if (to.responseMode === 'web_message') {
    // auth0-spa-js (getTokenSilently) and auth0.js listen for this message in their hidden iframe.
    const scriptNonce = nonce();
    const message = JSON.stringify({ type: 'authorization_response', response: all }).replace(
      /</g,
      '\\u003c',
    );
    const origin = JSON.stringify(originOf(to.redirectUri));
    return securePage(reply, { styleNonce, scriptNonce, frameAncestor: originOf(to.redirectUri) }).send(
      `<!doctype html><html><head><meta charset="utf-8"><title>…</title></head><body><script nonce="${scriptNonce}">(window.opener || window.parent).postMessage(${message}, ${origin});</script></body></html>`,
    );
  }
  if (to.responseMode === 'form_post') {
    const scriptNonce = nonce();
    const inputs = Object.entries(all)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return securePage(reply, { styleNonce, scriptNonce, formAction: originOf(to.redirectUri) }).send(
      `<!doctype html><html><head><meta charset="utf-8"><title>…</title></head><body><form method="post" action="${escapeHtml(to.redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form><script nonce="${scriptNonce}">document.forms[0].submit();</script></body></html>`,
    );
  }
  const url = new URL(to.redirectUri);
  if (to.responseMode === 'fragment') url.hash = new URLSearchParams(all).toString();
  else for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  return reply.header('cache-control', 'no-store').redirect(url.toString(), 302);
}

/**
 * The hosted login: `GET /authorize` (authorization code flow with PKCE, as OpenID Connect clients
 * and Auth0's SDKs use it), the two forms of the page (phone, then code), and the answer to the
 * application in its response mode. Codes go out through the same engine as /passwordless/start,
 * so every limit and abuse rule applies.
 */
export function authorizeRoutes(app: App, deps: WebDeps): void {
  const signer = new CookieSigner(deps.secrets.codeHmacKey);
  const { clock } = deps;
  assetRoutes(app);

  const page = (
    reply: FastifyReply,
    status: number,
    html: string,
    styleNonce: string,
    tx?: LoginTransaction,
  ) =>
    securePage(reply, { styleNonce, formAction: tx ? originOf(tx.redirectUri) : undefined })
      .status(status)
      .send(html);

  /** A page for what cannot go back to the application (no trusted redirect URI). */
  const stop = (reply: FastifyReply, language: string, status: number, message: string, client?: Client) => {
    const styleNonce = nonce();
    const t = wordsFor(language);
    return page(
      reply,
      status,
      messagePage(
        { language, branding: client ? branding(client) : { appName: 'otpline' }, styleNonce },
        t.errorTitle,
        message,
      ),
      styleNonce,
    );
  };

  /**
   * Answers the application for a signed-in user: a fresh code, or (implicit flow) the tokens
   * themselves, never a refresh token (a browser URL is no place for one).
   */
  const issueGrant = async (
    reply: FastifyReply,
    tx: Omit<LoginTransaction, 'exp' | 'csrf' | 'language' | 'country' | 'connection'>,
    userId: string,
    session: { id: string; authTime: number },
  ) => {
    // The dashboard's Management API tokens are for operators only.
    if (!(await mayGetCode(deps, tx.audience, userId)))
      return respond(reply, tx, {
        error: 'access_denied',
        error_description: 'This phone number may not use the dashboard',
      });
    const responseType = tx.responseType ?? 'code';
    if (responseType !== 'code') {
      const [client, user] = await Promise.all([deps.clients.get(tx.clientId), deps.users.get(userId)]);
      if (!client || !user)
        return respond(reply, tx, { error: 'access_denied', error_description: 'Login failed' });
      const types = responseType.split(' ');
      const accessToken = types.includes('token')
        ? await deps.tokens.userAccessToken(client, user, tx.scope)
        : undefined;
      const idToken = types.includes('id_token')
        ? await deps.tokens.idToken(client, user, {
            nonce: tx.nonce,
            authTime: session.authTime,
            accessToken,
          })
        : undefined;
      return respond(reply, tx, {
        ...(accessToken
          ? { access_token: accessToken, token_type: 'Bearer', expires_in: String(ACCESS_TOKEN_LIFETIME_S) }
          : {}),
        ...(idToken ? { id_token: idToken } : {}),
        scope: tx.scope,
      });
    }
    const code = newSecret();
    await deps.stores.webLogins.saveCode(code, {
      client_id: tx.clientId,
      redirect_uri: tx.redirectUri,
      user_id: userId,
      session_id: null,
      scope: tx.scope,
      audience: tx.audience ?? null,
      nonce: tx.nonce ?? null,
      code_challenge: tx.codeChallenge ?? null,
      auth_time: session.authTime,
      expires_at: clock.now() + AUTHORIZATION_CODE_TTL_MS,
    });
    return respond(reply, tx, { code });
  };

  /** The connection to log in with: the one named, else the first sms connection of the client. */
  const connectionFor = async (client: Client, name: string | undefined): Promise<Connection | undefined> => {
    if (name) {
      const connection = await deps.connections.getByName(name);
      return connection?.strategy === 'sms' && connection.enabled_clients.includes(client.client_id)
        ? connection
        : undefined;
    }
    const { connections } = await deps.connections.list({ strategy: 'sms' }, 0, 100);
    return connections.find((c) => c.enabled_clients.includes(client.client_id));
  };

  const sessionOf = async (request: FastifyRequest) => {
    const id = cookiesOf(request).get(SESSION_COOKIE);
    if (!id || id.length > 128) return undefined;
    const session = await deps.stores.webLogins.session(id, clock.now());
    if (!session) return undefined;
    const user = await deps.users.get(session.user_id);
    return user ? { id, ...session } : undefined;
  };

  /** Logs the browser in: a session (its cookie) that makes the next /authorize silent. */
  const startSession = async (reply: FastifyReply, userId: string, connectionId: string) => {
    const id = newSecret();
    const authTime = clock.now();
    await deps.stores.webLogins.startSession(id, {
      user_id: userId,
      connection_id: connectionId,
      auth_time: authTime,
      expires_at: authTime + SESSION_TTL_MS,
    });
    setCookie(reply, SESSION_COOKIE, id, SESSION_TTL_MS / 1000, deps.config.login.sessionCookieSameSite);
    return { id, authTime };
  };

  /**
   * The embedded login's second step (auth0.js, Lock): the ticket /co/authenticate gave after the
   * right code answers the application, without showing the page. The ticket works once, for its
   * client. With the co_verifier cookie /co/authenticate set, the browser is also logged in at
   * otpline (a session, for silent logins). Browsers that block third-party cookies (an app on
   * another site) do not send that cookie: the application then gets its answer, which its
   * state, nonce or PKCE check as any answer from /authorize, but no session starts, so a ticket
   * planted in someone else's browser can never log it in at otpline. A co_verifier of another
   * login is refused.
   */
  const redeemTicket = async (
    request: FastifyRequest,
    reply: FastifyReply,
    client: Client,
    ticket: string,
    realm: string | undefined,
    params: Omit<LoginTransaction, 'exp' | 'csrf' | 'language' | 'country' | 'connection'>,
  ) => {
    const fail = (description: string) =>
      respond(reply, params, { error: 'access_denied', error_description: description });
    const row = await deps.stores.webLogins.useTicket(ticket, clock.now());
    const verifier = cookiesOf(request).get(CO_VERIFIER_COOKIE);
    clearCookie(reply, CO_VERIFIER_COOKIE, 'none');
    if (row?.kind !== 'co' || row.client_id !== client.client_id)
      return fail('Invalid or expired login ticket');
    const bound = verifier !== undefined;
    if (bound && (verifier.length > 128 || !sameSecretText(secretHash(verifier), row.binding_hash))) {
      request.log.warn({ clientId: client.client_id }, 'authorize: a login ticket with another co_verifier');
      return fail('The login ticket was issued to another browser');
    }
    const connection = await deps.connections.get(row.connection_id);
    if (
      connection?.strategy !== 'sms' ||
      !connection.enabled_clients.includes(client.client_id) ||
      (realm !== undefined && realm !== connection.name)
    )
      return fail('The login ticket is not for this connection');
    if (!(await deps.users.get(row.user_id))) return fail('The user no longer exists');
    const session = bound
      ? await startSession(reply, row.user_id, connection.id)
      : { id: '', authTime: row.auth_time };
    return issueGrant(reply, params, row.user_id, session);
  };

  app.get(
    '/authorize',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Hosted login: authorization code flow with PKCE (S256), SMS code as the credential',
        querystring: AuthorizeQuery,
      },
      config: { errorStyle: 'oauth' },
    },
    async (request, reply) => {
      const q = request.query;
      const language = pickLanguage(q.ui_locales, request.headers['accept-language']);
      const client = q.client_id ? await deps.clients.get(q.client_id) : undefined;
      if (!client) return stop(reply, language, 400, 'Unknown or missing client_id.');
      // Nothing goes back to a URL the application did not register, exactly.
      const redirectUri = q.redirect_uri ?? (client.callbacks.length === 1 ? client.callbacks[0] : undefined);
      if (!redirectUri || !client.callbacks.includes(redirectUri)) {
        request.log.warn(
          { clientId: client.client_id },
          'authorize: redirect_uri is not one of the callbacks',
        );
        return stop(
          reply,
          language,
          400,
          'Callback URL mismatch: the redirect_uri is not in the application’s callbacks.',
          client,
        );
      }
      const responseType = responseTypeOf(q.response_type);
      const implicit = responseType !== undefined && responseType !== 'code';
      // Tokens never go in a query string (server logs, Referer): the implicit flow answers in the fragment.
      const fallbackMode = implicit ? 'fragment' : 'query';
      const responseMode = (q.response_mode ?? fallbackMode) as ResponseMode;
      const to = {
        redirectUri,
        responseMode:
          RESPONSE_MODES.includes(responseMode) && !(implicit && responseMode === 'query')
            ? responseMode
            : fallbackMode,
        state: q.state,
      } as const;
      const fail = (error: string, description: string) =>
        respond(reply, to, { error, error_description: description });
      if (!RESPONSE_MODES.includes(responseMode))
        return fail('invalid_request', `Unsupported response_mode: ${responseMode}`);
      if (responseMode === 'web_message' && !client.web_origins.includes(originOf(redirectUri)))
        return stop(reply, language, 400, 'The origin is not in the application’s web_origins.', client);
      if (!responseType)
        return fail(
          'unsupported_response_type',
          'Unsupported response_type: use code, token, id_token or id_token token',
        );
      const grant = implicit ? 'implicit' : 'authorization_code';
      if (!client.grant_types.includes(grant))
        return fail('unauthorized_client', `Grant type '${grant}' not allowed for the client.`);
      if (implicit) {
        if (responseMode === 'query')
          return fail('invalid_request', 'response_mode=query is not allowed with tokens in the response');
        // OpenID Connect: the nonce is what ties an id_token from the front channel to this login.
        if (responseType.includes('id_token') && !q.nonce)
          return fail('invalid_request', 'nonce is required when response_type includes id_token');
        // Tokens for other APIs (the dashboard's Management API) only come from the code flow.
        if (q.audience && q.audience !== userinfoAudience(deps.config.issuer))
          return fail('access_denied', `Service not found: ${q.audience}`);
      } else if (q.code_challenge !== undefined) {
        if ((q.code_challenge_method ?? 'plain') !== 'S256')
          return fail('invalid_request', 'code_challenge_method must be S256');
        if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge))
          return fail('invalid_request', 'code_challenge must be a BASE64URL-encoded SHA-256 hash');
      } else if (client.token_endpoint_auth_method === 'none') {
        return fail('invalid_request', 'Public applications must use PKCE (code_challenge with S256)');
      }
      if (q.audience && !audienceAllowed(client, q.audience, deps.config.issuer))
        return fail('access_denied', `Service not found: ${q.audience}`);
      const params = {
        clientId: client.client_id,
        ...to,
        responseType,
        nonce: q.nonce,
        scope: q.scope ?? 'openid',
        audience: q.audience,
        codeChallenge: implicit ? undefined : q.code_challenge,
      };
      if (q.login_ticket !== undefined)
        return redeemTicket(request, reply, client, q.login_ticket, q.realm ?? q.connection, params);
      const connection = await connectionFor(client, q.connection);
      if (!connection)
        return fail(
          'invalid_request',
          q.connection
            ? 'Connection is not enabled for the client'
            : 'No sms connection is enabled for the client',
        );
      const prompts = (q.prompt ?? '').split(' ').filter(Boolean);
      const maxAge = q.max_age !== undefined && /^\d{1,9}$/.test(q.max_age) ? Number(q.max_age) : undefined;

      const session = prompts.includes('login') ? undefined : await sessionOf(request);
      const fresh =
        session &&
        session.connection_id === connection.id &&
        (maxAge === undefined || clock.now() - session.auth_time <= maxAge * 1000);
      if (session && fresh) {
        return issueGrant(reply, params, session.user_id, { id: session.id, authTime: session.auth_time });
      }
      if (prompts.includes('none')) return fail('login_required', 'Login required');
      if (responseMode === 'web_message')
        return fail('login_required', 'Login required: web_message answers silent logins only');

      const hint = q.login_hint ? parsePhoneNumberFromString(q.login_hint) : undefined;
      const country =
        hint?.country ?? regionOf(request.headers['accept-language']) ?? deps.config.login.defaultCountry;
      const tx: LoginTransaction = {
        ...params,
        exp: clock.now() + LOGIN_TTL_MS,
        csrf: newSecret(),
        connection: connection.name,
        language,
        country,
      };
      setCookie(reply, LOGIN_COOKIE, signer.sign(tx), LOGIN_TTL_MS / 1000);
      const styleNonce = nonce();
      return page(
        reply,
        200,
        phonePage(
          { language, branding: branding(client), csrf: tx.csrf, styleNonce },
          { country, phone: hint?.formatInternational() ?? q.login_hint },
        ),
        styleNonce,
        tx,
      );
    },
  );

  /** The login in progress, checked: its signature, its age, the form's CSRF token. */
  const loginOf = (request: FastifyRequest, csrf: string | undefined): LoginTransaction | undefined => {
    const tx = signer.verify<LoginTransaction>(cookiesOf(request).get(LOGIN_COOKIE));
    if (!tx || tx.exp < clock.now()) return undefined;
    if (csrf !== undefined && !sameSecretText(csrf, tx.csrf)) return undefined;
    return tx;
  };

  /** The words for an error a caller may see, in the page's language. */
  const explain = (t: Words, err: unknown): string => {
    if (!(err instanceof OtplineError)) return t.failed;
    switch (err.code) {
      case 'invalid_parameter':
      case 'country_not_allowed':
        return t.badPhone;
      case 'wrong_code':
        return t.wrongCode;
      case 'rate_limited':
        return t.tooMany;
      case 'phone_blocked':
        return t.blocked;
      case 'sms_not_sent':
        return t.notSent;
      default:
        return err.message;
    }
  };

  const formRoute = (
    path: string,
    summary: string,
    handle: (
      request: FastifyRequest,
      body: Static<typeof FormBody>,
      reply: FastifyReply,
      tx: LoginTransaction,
      client: Client,
      connection: Connection,
    ) => Promise<unknown>,
  ) =>
    app.post(
      path,
      { schema: { hide: true, summary, body: FormBody }, config: { errorStyle: 'oauth' } },
      async (request, reply) => {
        const tx = loginOf(request, request.body.csrf);
        const client = tx ? await deps.clients.get(tx.clientId) : undefined;
        const connection = tx ? await deps.connections.getByName(tx.connection) : undefined;
        if (!tx || !client || !connection) {
          const language = pickLanguage(undefined, request.headers['accept-language']);
          return stop(reply, language, 400, wordsFor(language).expired);
        }
        return handle(request, request.body, reply, tx, client, connection);
      },
    );

  const renderPhone = (
    reply: FastifyReply,
    status: number,
    tx: LoginTransaction,
    client: Client,
    input: { phone?: string; error?: string },
  ) => {
    const styleNonce = nonce();
    return page(
      reply,
      status,
      phonePage(
        { language: tx.language, branding: branding(client), csrf: tx.csrf, styleNonce },
        { country: tx.country, ...input },
      ),
      styleNonce,
      tx,
    );
  };
  const renderCode = (
    reply: FastifyReply,
    status: number,
    tx: LoginTransaction,
    client: Client,
    connection: Connection,
    input: { error?: string; notice?: string },
  ) => {
    const styleNonce = nonce();
    return page(
      reply,
      status,
      codePage(
        { language: tx.language, branding: branding(client), csrf: tx.csrf, styleNonce },
        { phone: tx.phone ?? '', codeLength: connection.options.totp?.length ?? 6, ...input },
      ),
      styleNonce,
      tx,
    );
  };

  const send = async (request: FastifyRequest, tx: LoginTransaction, phone: string) => {
    const e164 = normalizePhone(phone);
    if (e164.ok && !(await operatorSmsWanted(deps, request, tx.connection, e164.e164))) {
      request.log.info('dashboard sign-in for a phone that is not an operator: no SMS sent');
      return { phone_number: e164.e164 };
    }
    return sendCode(deps, {
      credentials: { clientId: tx.clientId },
      connection: tx.connection,
      phoneNumber: phone,
      language: tx.language,
      callerIp: request.ip,
      userAgent: userAgent(request),
      log: request.log,
      grant: 'authorization_code',
      webOtpDomain: deps.config.login.webOtpDomain,
    });
  };

  formRoute(
    '/authorize/phone',
    'Hosted login: send the code',
    async (request, body, reply, tx, client, connection) => {
      const typed = (body.phone_number ?? '').trim();
      const country = /^[A-Z]{2}$/.test(body.country ?? '') ? (body.country as string) : tx.country;
      const parsed = parsePhoneNumberFromString(
        typed,
        typed.startsWith('+') ? undefined : (country as never),
      );
      const phone = parsed?.number ?? typed;
      const t = wordsFor(tx.language);
      const withCountry = { ...tx, country };
      if (!typed) return renderPhone(reply, 400, withCountry, client, { error: t.badPhone });
      try {
        const sent = await send(request, withCountry, phone);
        const next = { ...withCountry, phone: sent.phone_number };
        setCookie(reply, LOGIN_COOKIE, signer.sign(next), Math.ceil((tx.exp - clock.now()) / 1000));
        return renderCode(reply, 200, next, client, connection, {});
      } catch (err) {
        if (!(err instanceof OtplineError)) throw err;
        return renderPhone(reply, 400, withCountry, client, { phone: typed, error: explain(t, err) });
      }
    },
  );

  formRoute(
    '/authorize/resend',
    'Hosted login: send a new code',
    async (request, _body, reply, tx, client, connection) => {
      const t = wordsFor(tx.language);
      if (!tx.phone) return renderPhone(reply, 400, tx, client, {});
      try {
        await send(request, tx, tx.phone);
        return renderCode(reply, 200, tx, client, connection, {
          notice: fill(t.resent, { phone: readablePhone(tx.phone) }),
        });
      } catch (err) {
        if (!(err instanceof OtplineError)) throw err;
        return renderCode(reply, 400, tx, client, connection, { error: explain(t, err) });
      }
    },
  );

  formRoute(
    '/authorize/restart',
    'Hosted login: use another number',
    async (_request, _body, reply, tx, client) => {
      const { phone: _dropped, ...rest } = tx;
      setCookie(reply, LOGIN_COOKIE, signer.sign(rest), Math.ceil((tx.exp - clock.now()) / 1000));
      return renderPhone(reply, 200, rest, client, {});
    },
  );

  formRoute(
    '/authorize/code',
    'Hosted login: check the code',
    async (request, body, reply, tx, client, connection) => {
      const t = wordsFor(tx.language);
      if (!tx.phone) return renderPhone(reply, 400, tx, client, {});
      const code = (body.code ?? '').replace(/[\s-]/g, '');
      if (!code) return renderCode(reply, 400, tx, client, connection, { error: t.wrongCode });
      let user: Awaited<ReturnType<typeof loginWithCode>>;
      try {
        user = await loginWithCode(deps, client, connection, {
          username: tx.phone,
          code,
          ip: request.ip,
          userAgent: userAgent(request),
        });
      } catch (err) {
        if (!(err instanceof OtplineError)) throw err;
        return renderCode(reply, 400, tx, client, connection, { error: explain(t, err) });
      }
      await claimSetupLink(deps, request, reply, client, user);
      const session = await startSession(reply, user.id, connection.id);
      clearCookie(reply, LOGIN_COOKIE);
      return issueGrant(reply, tx, user.id, session);
    },
  );

  /** Auth0's logout: ends the session, then goes back to an allowed URL of the application. */
  const logout = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { clientId?: string; returnTo?: string; state?: string },
  ) => {
    const language = pickLanguage(undefined, request.headers['accept-language']);
    const client = input.clientId ? await deps.clients.get(input.clientId) : undefined;
    if (input.returnTo !== undefined) {
      if (!client?.allowed_logout_urls.includes(input.returnTo)) {
        return stop(
          reply,
          language,
          400,
          'The returnTo URL is not in the application’s allowed_logout_urls.',
        );
      }
    }
    const id = cookiesOf(request).get(SESSION_COOKIE);
    if (id && id.length <= 128) await deps.stores.webLogins.endSession(id);
    clearCookie(reply, SESSION_COOKIE, deps.config.login.sessionCookieSameSite);
    clearCookie(reply, LOGIN_COOKIE);
    if (input.returnTo !== undefined) {
      const url = new URL(input.returnTo);
      if (input.state !== undefined) url.searchParams.set('state', input.state);
      return reply.header('cache-control', 'no-store').redirect(url.toString(), 302);
    }
    const styleNonce = nonce();
    const t = wordsFor(language);
    return page(
      reply,
      200,
      messagePage(
        { language, branding: client ? branding(client) : { appName: 'otpline' }, styleNonce },
        t.loggedOut,
        t.loggedOut,
      ),
      styleNonce,
    );
  };

  app.get(
    '/v2/logout',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Log out of the hosted login; back to returnTo if the application allows it',
        querystring: Type.Object(
          { client_id: short('The application'), returnTo: short('One of its allowed_logout_urls', 2048) },
          { additionalProperties: true },
        ),
      },
    },
    (request, reply) =>
      logout(request, reply, { clientId: request.query.client_id, returnTo: request.query.returnTo }),
  );

  app.get(
    '/oidc/logout',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'OpenID Connect RP-initiated logout (end_session_endpoint)',
        querystring: Type.Object(
          {
            client_id: short('The application'),
            id_token_hint: short('An id_token the application received', 8192),
            post_logout_redirect_uri: short('One of its allowed_logout_urls', 2048),
            state: short('Returned as is'),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      let clientId = request.query.client_id;
      if (!clientId && request.query.id_token_hint) {
        // The hint names the application (its audience); only a token this server signed counts.
        clientId = await deps.tokens.audienceOfIdToken(request.query.id_token_hint);
      }
      return logout(request, reply, {
        clientId,
        returnTo: request.query.post_logout_redirect_uri,
        state: request.query.state,
      });
    },
  );
}
