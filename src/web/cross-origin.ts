import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { requireGrant, smsConnectionFor } from '../auth/connection-access.js';
import { type LoginDeps, loginWithCode } from '../auth/passwordless-login.js';
import { userAgent } from '../auth/request-info.js';
import { InvalidParameter, OtplineError, UnknownClient } from '../errors.js';
import type { App } from '../http/app-type.js';
import { originMatches } from '../http/cors.js';
import { AuthError } from '../http/errors.js';
import { wireError } from '../http/wire-errors.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import { type Client, GRANT_PASSWORDLESS_OTP } from '../store/clients.js';
import { secretHash } from '../store/web-logins.js';
import { newSecret, randomAlphanumeric } from '../util/ids.js';
import { type ResponseMode, respond } from './authorize.js';
import { CO_VERIFIER_COOKIE, clearCookie, cookiesOf, setCookie, VERIFY_COOKIE } from './cookies.js';

/** A login ticket is for the redirect that follows at once; Auth0's also live minutes. */
export const LOGIN_TICKET_TTL_MS = 5 * 60_000;

export type CrossOriginDeps = LoginDeps & Pick<Services, 'stores' | 'config'>;

const short = (description: string, maxLength = 512) =>
  Type.Optional(Type.String({ description, maxLength }));

const AuthenticateBody = Type.Object(
  {
    client_id: Type.String({ description: 'The application', maxLength: 128 }),
    credential_type: short('http://auth0.com/oauth/grant-type/passwordless/otp', 256),
    username: Type.String({ description: 'The phone number the code was sent to', maxLength: 64 }),
    otp: short('The code from the SMS', 64),
    password: short('Not supported: otpline logs in with SMS codes', 256),
    realm: short('The sms connection', 128),
  },
  { additionalProperties: false },
);

const AuthenticateReply = Type.Object({
  login_ticket: Type.String(),
  co_verifier: Type.String(),
  co_id: Type.String(),
});

const VerifyBody = Type.Object(
  {
    client_id: Type.String({ description: 'The application', maxLength: 128 }),
    connection: Type.String({ description: 'The sms connection', maxLength: 128 }),
    phone_number: short('The phone number the code was sent to', 64),
    email: short('Not supported: otpline has sms connections only', 256),
    verification_code: Type.String({ description: 'The code from the SMS', maxLength: 64 }),
    auth0Client: short('SDK telemetry (ignored)', 2048),
  },
  { additionalProperties: false },
);

const VerifyRedirectQuery = Type.Object(
  {
    client_id: short('The application', 128),
    connection: short('The sms connection', 128),
    phone_number: short('The phone number the code was sent to', 64),
    verification_code: short('The code from the SMS', 64),
    response_type: short('code, token, id_token or id_token token', 64),
    response_mode: short('As at /authorize', 32),
    redirect_uri: short('One of the application’s callbacks (exact match)', 2048),
  },
  { additionalProperties: true },
);

/** Whether a page at `origin` may log in to `client`: its allowed and web origins, and its callbacks' origins. */
export function originRegistered(client: Client, origin: string): boolean {
  const callbacks = client.callbacks.flatMap((url) => (URL.canParse(url) ? [new URL(url).origin] : []));
  return [...client.allowed_origins, ...client.web_origins, ...callbacks]
    .map((registered) => registered.replace(/\/+$/, ''))
    .some((registered) => originMatches(registered, origin));
}

function describeOrigin(origin: string): string {
  return origin.length <= 256 ? origin : `${origin.slice(0, 256)}…`;
}

/**
 * The embedded login of auth0.js and Lock, for pages on the application's own origin:
 * `POST /co/authenticate` checks the phone and code and hands out a login ticket that the
 * browser then takes to `/authorize?login_ticket=…`; `POST /passwordless/verify` and
 * `GET /passwordless/verify_redirect` are the same two steps as auth0.js takes them on a page
 * served by otpline itself. Every limit of the code check applies (src/auth/passwordless-login.ts).
 */
export function crossOriginRoutes(app: App, deps: CrossOriginDeps): void {
  const { clock } = deps;

  /** The phone and code, checked as the OTP grant checks them (its grant, connection and every limit). */
  const checkCode = async (
    request: FastifyRequest,
    client: Client,
    connectionName: string,
    phone: string,
    code: string,
  ) => {
    requireGrant(client, GRANT_PASSWORDLESS_OTP);
    const connection = await smsConnectionFor(deps.connections, client, connectionName);
    const user = await loginWithCode(deps, client, connection, {
      username: phone,
      code,
      ip: request.ip,
      userAgent: userAgent(request),
    });
    return { connection, user };
  };

  /**
   * A ticket for /authorize, bound to this browser by the co_verifier cookie unless `unbound`: then
   * /authorize answers the application but starts no otpline session (src/web/authorize.ts).
   */
  const issueTicket = async (
    reply: FastifyReply,
    client: Client,
    userId: string,
    connectionId: string,
    unbound = false,
  ): Promise<{ login_ticket: string; co_verifier: string; co_id: string }> => {
    const ticket = newSecret();
    const verifier = newSecret();
    const coId = randomAlphanumeric(32);
    const now = clock.now();
    await deps.stores.webLogins.saveTicket(ticket, {
      kind: 'co',
      client_id: client.client_id,
      user_id: userId,
      connection_id: connectionId,
      binding_hash: secretHash(verifier),
      co_id: coId,
      auth_time: now,
      expires_at: now + LOGIN_TICKET_TTL_MS,
    });
    // SameSite=None: /co/authenticate is a call from another site, whose cookies are otherwise dropped.
    if (!unbound) setCookie(reply, CO_VERIFIER_COOKIE, verifier, LOGIN_TICKET_TTL_MS / 1000, 'none');
    return { login_ticket: ticket, co_verifier: verifier, co_id: coId };
  };

  const clientOf = async (clientId: string): Promise<Client> => {
    const client = await deps.clients.get(clientId);
    if (!client) throw new UnknownClient(clientId);
    return client;
  };

  app.post(
    '/co/authenticate',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Embedded login (auth0.js, Lock): phone and SMS code for a login ticket',
        description:
          'Called from the application’s own page, whose Origin must be registered for the client (allowed_origins, web_origins or a callback). The ticket, valid 5 minutes and once, goes to /authorize?login_ticket=… in the same browser.',
        body: AuthenticateBody,
        response: { 200: AuthenticateReply },
      },
      config: { errorStyle: 'oauth' },
    },
    async (request, reply) => {
      const body = request.body;
      const client = await clientOf(body.client_id);
      const origin = request.headers.origin;
      if (!origin) throw new AuthError(403, 'access_denied', 'An Origin header is required');
      if (!originRegistered(client, origin))
        throw new AuthError(403, 'access_denied', `Origin ${describeOrigin(origin)} is not allowed`);
      // Auth0's "Allow Cross-Origin Authentication" switch: honoured when an operator turned it off.
      if (client.extra.cross_origin_authentication === false)
        throw new AuthError(403, 'unauthorized_client', 'Cross origin login not allowed.');
      if (body.credential_type !== GRANT_PASSWORDLESS_OTP)
        throw new AuthError(
          403,
          'unsupported_grant_type',
          `Unsupported credential_type: ${String(body.credential_type ?? 'none').slice(0, 256)} (use ${GRANT_PASSWORDLESS_OTP})`,
        );
      if (!body.realm) throw new InvalidParameter('realm', 'Missing required parameter: realm');
      if (!body.otp) throw new InvalidParameter('otp', 'Missing required parameter: otp');
      const { connection, user } = await checkCode(request, client, body.realm, body.username, body.otp);
      reply.header('cache-control', 'no-store');
      return issueTicket(reply, client, user.id, connection.id);
    },
  );

  app.post(
    '/passwordless/verify',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Check an SMS code (auth0.js passwordlessLogin on a page served by otpline)',
        description:
          'Then /passwordless/verify_redirect, in the same browser, finishes the login. From a page on another origin, auth0.js uses /co/authenticate instead.',
        body: VerifyBody,
        response: { 200: Type.Object({}) },
      },
      config: { errorStyle: 'oauth' },
    },
    async (request, reply) => {
      const body = request.body;
      const client = await clientOf(body.client_id);
      const origin = request.headers.origin;
      const own = new URL(deps.config.issuer).origin;
      if (origin && origin !== own && !originRegistered(client, origin))
        throw new AuthError(403, 'access_denied', `Origin ${describeOrigin(origin)} is not allowed`);
      if (!body.phone_number)
        throw new InvalidParameter('phone_number', 'Missing required parameter: phone_number');
      const { connection, user } = await checkCode(
        request,
        client,
        body.connection,
        body.phone_number,
        body.verification_code,
      );
      // The code is spent: verify_redirect shows it again with this cookie instead of checking it twice.
      const ticket = newSecret();
      const now = clock.now();
      await deps.stores.webLogins.saveTicket(ticket, {
        kind: 'verify',
        client_id: client.client_id,
        user_id: user.id,
        connection_id: connection.id,
        binding_hash: secretHash(`${user.phone_number}\n${body.verification_code}`),
        co_id: null,
        auth_time: now,
        expires_at: now + LOGIN_TICKET_TTL_MS,
      });
      setCookie(reply, VERIFY_COOKIE, ticket, LOGIN_TICKET_TTL_MS / 1000);
      reply.header('cache-control', 'no-store');
      return {};
    },
  );

  /**
   * The user a verify_redirect names: from /passwordless/verify's cookie (`viaVerify`), else by
   * checking the code now. A plain link can do the latter, so only the former logs the browser in
   * at otpline: a link with someone else's phone and code cannot plant their session here.
   */
  const verifiedUser = async (
    request: FastifyRequest,
    client: Client,
    input: { connection: string; phone: string; code: string },
  ): Promise<{ userId: string; connectionId: string; viaVerify: boolean }> => {
    const ticket = cookiesOf(request).get(VERIFY_COOKIE);
    const phone = normalizePhone(input.phone);
    if (ticket && ticket.length <= 128 && phone.ok) {
      const row = await deps.stores.webLogins.useTicket(ticket, clock.now());
      const connection = row ? await deps.connections.get(row.connection_id) : undefined;
      if (
        row?.kind === 'verify' &&
        row.client_id === client.client_id &&
        connection?.name === input.connection &&
        row.binding_hash === secretHash(`${phone.e164}\n${input.code}`)
      )
        return { userId: row.user_id, connectionId: row.connection_id, viaVerify: true };
    }
    requireGrant(client, GRANT_PASSWORDLESS_OTP);
    const connection = await smsConnectionFor(deps.connections, client, input.connection);
    const user = await loginWithCode(deps, client, connection, {
      username: input.phone,
      code: input.code,
      ip: request.ip,
      userAgent: userAgent(request),
    });
    return { userId: user.id, connectionId: connection.id, viaVerify: false };
  };

  app.get(
    '/passwordless/verify_redirect',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Finish a passwordless login in the browser: on to /authorize, then back to the application',
        querystring: VerifyRedirectQuery,
      },
      config: { errorStyle: 'oauth' },
    },
    async (request, reply) => {
      const q = request.query as Record<string, unknown> & typeof request.query;
      const client = await clientOf(q.client_id ?? '');
      // Errors go back to the application only at a callback it registered, exactly.
      const redirectUri = q.redirect_uri ?? (client.callbacks.length === 1 ? client.callbacks[0] : undefined);
      if (!redirectUri || !client.callbacks.includes(redirectUri))
        throw new AuthError(400, 'invalid_request', 'The redirect_uri is not in the application’s callbacks');
      const implicit = q.response_type !== undefined && !q.response_type.split(' ').includes('code');
      const mode = q.response_mode ?? (implicit ? 'fragment' : 'query');
      const to = {
        redirectUri,
        responseMode: (['query', 'fragment', 'form_post'].includes(mode) && !(implicit && mode === 'query')
          ? mode
          : implicit
            ? 'fragment'
            : 'query') as ResponseMode,
        state: typeof q.state === 'string' ? q.state : undefined,
      };
      clearCookie(reply, VERIFY_COOKIE);
      let verified: Awaited<ReturnType<typeof verifiedUser>>;
      try {
        if (!q.connection || !q.phone_number || !q.verification_code)
          throw new InvalidParameter(
            'verification_code',
            'connection, phone_number and verification_code are required',
          );
        verified = await verifiedUser(request, client, {
          connection: q.connection,
          phone: q.phone_number,
          code: q.verification_code,
        });
      } catch (err) {
        if (!(err instanceof OtplineError)) throw err;
        const wire = wireError(err, 'oauth');
        return respond(reply, to, { error: wire.code, error_description: wire.description });
      }
      // The rest is /authorize's: a login ticket bound to this browser, with the application's parameters.
      const { login_ticket } = await issueTicket(
        reply,
        client,
        verified.userId,
        verified.connectionId,
        !verified.viaVerify,
      );
      const next = new URLSearchParams();
      for (const [key, value] of Object.entries(q)) {
        if (['phone_number', 'verification_code', 'email', 'login_ticket', 'realm'].includes(key)) continue;
        if (typeof value === 'string') next.set(key, value);
      }
      next.set('redirect_uri', redirectUri);
      next.set('login_ticket', login_ticket);
      const authorize = new URL('authorize', deps.config.issuer).pathname;
      return reply.header('cache-control', 'no-store').redirect(`${authorize}?${next.toString()}`, 302);
    },
  );
}
