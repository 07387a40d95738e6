import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Config } from '../config/schema.js';
import { callGateway } from '../gateway/gateway-client.js';
import {
  AccessDenied,
  BadParameter,
  SmsProviderError,
  TooManyAttempts,
  TooManyRequests,
} from '../http/errors.js';
import { MAX_FREE_FORM_DEPTH } from '../http/json-depth.js';
import {
  DEFAULT_TEMPLATE,
  maskCode,
  renderTemplate,
  TemplateError,
  type TemplateVariables,
} from '../messages/template.js';
import { OtpCodes } from '../otp/codes.js';
import { ipBucket } from '../otp/ip-bucket.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Connection } from '../store/connections.js';
import { authenticateClient } from './client-auth.js';
import { requireGrant, smsConnectionFor, totpOf } from './connection-access.js';
import { requestLanguage, userAgent } from './request-info.js';

const Body = Type.Object(
  {
    client_id: Type.String({ description: 'The application asking for the code' }),
    client_secret: Type.Optional(
      Type.String({ description: 'Required for confidential applications to skip per-IP limits' }),
    ),
    connection: Type.String({ description: 'Name of the sms connection (the SDKs send "sms")' }),
    phone_number: Type.String({ description: 'E.164 phone number', maxLength: 64 }),
    send: Type.Optional(Type.Union([Type.Literal('code'), Type.Literal('link')], { default: 'code' })),
    authParams: Type.Optional(Type.Object({}, { additionalProperties: true, maxDepth: MAX_FREE_FORM_DEPTH })),
  },
  { additionalProperties: false },
);

const Reply = Type.Object({
  _id: Type.String(),
  phone_number: Type.String(),
  request_language: Type.Union([Type.String(), Type.Null()]),
  phone_verified: Type.Boolean(),
});

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True when a connection's `gateway_url` is this server's own gateway: then the hand-off is in-process. */
export function isOwnGateway(gatewayUrl: string | undefined, config: Config): boolean {
  if (!gatewayUrl) return true;
  let url: URL;
  try {
    url = new URL(gatewayUrl);
  } catch {
    return false;
  }
  if (url.href === new URL('gateway/sms', config.issuer).href) return true;
  return LOOPBACK.has(url.hostname) && Number(url.port) === config.port && url.pathname === '/gateway/sms';
}

function forwardedFor(request: FastifyRequest): string | undefined {
  const header = request.headers['auth0-forwarded-for'];
  const ip = typeof header === 'string' ? header.split(',')[0]?.trim() : undefined;
  return ip && isIP(ip) ? ip : undefined;
}

function forwardRequestInfo(connection: Connection): boolean {
  const value = connection.options.forward_req_info;
  return value === true || value === 'true';
}

/** The message text for a new code; a template that cannot render is the operator's problem, told in the log. */
function messageText(request: FastifyRequest, connection: Connection, vars: TemplateVariables): string {
  try {
    return renderTemplate(
      connection.options.syntax ?? 'md_with_macros',
      connection.options.template ?? DEFAULT_TEMPLATE,
      vars,
    );
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    request.log.error(
      { connection: connection.name, reason: err.reason, problem: err.message },
      "the connection's SMS template could not be rendered",
    );
    throw new SmsProviderError('The SMS message could not be created');
  }
}

async function start(services: Services, request: FastifyRequest, body: Static<typeof Body>) {
  const { config, clients, connections, rateLimiter, bruteForce, codes, outbox, stores, users } = services;
  const client = await clients.get(body.client_id);
  if (!client) throw new BadParameter('client_id', `Unknown client: ${body.client_id}`);
  const { authenticated } = await authenticateClient(clients, request, body, false);
  const connection = await smsConnectionFor(connections, client, body.connection);
  requireGrant(client);
  if (body.send === 'link') throw new BadParameter('send', 'Only "code" is supported for SMS connections');

  const phone = normalizePhone(body.phone_number);
  if (!phone.ok) throw new BadParameter('phone_number', phone.reason);

  // Callers without a secret (browsers, apps) are limited per IP (per /64 for IPv6), as Auth0 limits
  // them. A backend that authenticates may name its user's IP in auth0-forwarded-for, which is then
  // limited instead.
  const forwarded = authenticated ? forwardedFor(request) : undefined;
  const callerIp = forwarded ?? request.ip;
  if (!authenticated || forwarded) {
    const { startsPerIpWithoutSecret, startsPerIpWindowSeconds } = config.limits;
    const perIp = await rateLimiter.hit(
      `start:ip:${ipBucket(callerIp)}`,
      startsPerIpWithoutSecret,
      startsPerIpWindowSeconds,
    );
    if (!perIp.allowed) throw new TooManyRequests(perIp.retryAfterSeconds);
  }
  if (connection.options.brute_force_protection !== false) {
    const blocked = await bruteForce.blockedFor(connection.id, phone.e164);
    if (blocked > 0) throw new TooManyAttempts(blocked);
  }
  const existing = await users.findByPhone(connection.id, phone.e164);
  if (connection.options.disable_signup === true && !existing) {
    throw new AccessDenied('Signups are disabled for this connection', 400);
  }
  const perPhone = await rateLimiter.hit(
    `start:phone:${phone.e164}`,
    config.limits.sendsPerPhone,
    config.limits.sendsPerPhoneWindowSeconds,
  );
  if (!perPhone.allowed) {
    throw new TooManyRequests(
      perPhone.retryAfterSeconds,
      'Too many codes sent to this phone number. Please try again later.',
    );
  }

  const language = requestLanguage(request);
  const totp = totpOf(connection);
  const code = OtpCodes.generate(totp.length);
  // Rendered before the transaction: bounded, and a failure stores nothing.
  const text = messageText(request, connection, {
    code,
    phone_number: phone.e164,
    application: { name: client.name },
    request_language: language,
  });
  const local =
    connection.options.provider !== 'sms_gateway' || isOwnGateway(connection.options.gateway_url, config);
  const { issued, message } = await stores.transaction(async (tx) => {
    const issued = await codes.issue(tx, {
      connectionId: connection.id,
      clientId: client.client_id,
      phone: phone.e164,
      code,
      lifetimeSeconds: totp.timeStep,
    });
    const message = await outbox.enqueue(tx, {
      source: 'passwordless',
      dispatch: local ? 'outbox' : 'gateway_url',
      connectionId: connection.id,
      recipient: phone.e164,
      country: phone.country ?? null,
      body: text,
      bodyRedacted: maskCode(text, code),
      sender: connection.options.from ?? null,
      expiresAt: issued.expiresAt,
    });
    return { issued, message };
  });

  if (local) {
    outbox.notify();
  } else {
    // Auth0 calls the gateway while the caller waits, and reports a refusal as a 400.
    const startedAt = services.clock.now();
    const result = await callGateway({
      url: connection.options.gateway_url as string,
      recipient: message.recipient,
      body: message.body,
      sender: message.sender,
      authentication: connection.options.gateway_authentication,
      requestInfo: forwardRequestInfo(connection)
        ? { ip: callerIp, 'user-agent': userAgent(request) }
        : undefined,
      timeoutMs: config.gateway.outboundTimeoutMs,
    });
    await outbox.recordAttempt(message, null, 'gateway_url', result, startedAt);
    if (result.outcome !== 'accepted') {
      await codes.void(issued.id);
      request.log.warn(
        { connection: connection.name, messageId: message.id, problem: result.detail },
        'the SMS gateway did not take the message',
      );
      throw new SmsProviderError(result.message);
    }
  }
  return { _id: issued.id, phone_number: phone.e164, request_language: language, phone_verified: false };
}

export function passwordlessStartRoute(app: FastifyInstance, services: Services): void {
  app.post<{ Body: Static<typeof Body> }>(
    '/passwordless/start',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Send a one-time code by SMS',
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'passwordless' },
    },
    (request) => start(services, request, request.body),
  );
}
