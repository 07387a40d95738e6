import { InvalidParameter, PhoneBlocked, RateLimited, SignupDisabled, SmsNotSent } from '../errors.js';
import { EVENT_TYPES } from '../events/types.js';
import { callGateway } from '../gateway/gateway-client.js';
import {
  DEFAULT_TEMPLATE,
  maskCode,
  renderTemplate,
  TemplateError,
  type TemplateVariables,
} from '../messages/template.js';
import type { Log } from '../observability/logger.js';
import { OtpCodes } from '../otp/codes.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Connection } from '../store/connections.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import { requireGrant, smsConnectionFor, totpOf } from './connection-access.js';

/** What sending a code needs; the gateway half and the management API need none of it. */
export type SendCodeDeps = Pick<
  Services,
  | 'config'
  | 'clock'
  | 'abuse'
  | 'security'
  | 'clients'
  | 'connections'
  | 'users'
  | 'stores'
  | 'rateLimiter'
  | 'bruteForce'
  | 'codes'
  | 'outbox'
>;

export interface SendCodeRequest {
  credentials: ClientCredentials;
  connection: string;
  phoneNumber: string;
  send?: 'code' | 'link';
  /** A language tag (already checked) or null. */
  language: string | null;
  callerIp: string;
  /** The end user's IP an authenticated backend names (`auth0-forwarded-for`); ignored from others. */
  forwardedFor?: string;
  /** A CAPTCHA token, when the abuse rules ask for one. */
  captcha?: string;
  userAgent: string;
  log: Log;
  /** The grant the client must have: the OTP grant (the default), or `authorization_code` for the hosted page. */
  grant?: string;
  /** The login page's host: the SMS ends with WebOTP's "@host #code" line, for the browser to fill in. */
  webOtpDomain?: string;
}

export interface SentCode {
  _id: string;
  phone_number: string;
  request_language: string | null;
  phone_verified: false;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True when a connection's `gateway_url` is this server's own gateway: then the hand-off is in-process. */
export function isOwnGateway(gatewayUrl: string | undefined, config: SendCodeDeps['config']): boolean {
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

function forwardRequestInfo(connection: Connection): boolean {
  const value = connection.options.forward_req_info;
  return value === true || value === 'true';
}

/** The message text for a new code; a template that cannot render is the operator's problem, told in the log. */
function messageText(log: Log, connection: Connection, vars: TemplateVariables): string {
  try {
    return renderTemplate(
      connection.options.syntax ?? 'md_with_macros',
      connection.options.template ?? DEFAULT_TEMPLATE,
      vars,
    );
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    log.error(
      { connection: connection.name, reason: err.reason, problem: err.message },
      "the connection's SMS template could not be rendered",
    );
    throw new SmsNotSent('The SMS message could not be created', err.message);
  }
}

/**
 * `/passwordless/start`: checks the client, the connection, the phone and every limit, then
 * stores a new code and its message in one transaction and hands the message on: to the outbox
 * (otpline's own gateway, in-process), or to the connection's `gateway_url` while the caller waits,
 * as Auth0 does. The hosted login page and the bench call this without HTTP.
 */
export async function sendCode(deps: SendCodeDeps, request: SendCodeRequest): Promise<SentCode> {
  const { config, clients, connections, rateLimiter, bruteForce, codes, outbox, stores, users } = deps;
  const { client, authenticated } = await authenticateClient(clients, request.credentials, false);
  const connection = await smsConnectionFor(connections, client, request.connection);
  requireGrant(client, request.grant);
  if (request.send === 'link')
    throw new InvalidParameter('send', 'Only "code" is supported for SMS connections');

  const phone = normalizePhone(request.phoneNumber);
  if (!phone.ok) throw new InvalidParameter('phone_number', phone.reason);

  // Callers without a secret (browsers, apps) are limited per IP (per /64 for IPv6), as Auth0 limits
  // them. A backend that authenticates may name its user's IP in auth0-forwarded-for, which is then
  // limited instead.
  const forwarded = authenticated ? request.forwardedFor : undefined;
  const callerIp = forwarded ?? request.callerIp;
  const country = phone.country ?? null;
  const event = {
    clientId: client.client_id,
    clientName: client.name,
    connectionId: connection.id,
    connection: connection.name,
    ip: callerIp,
    userAgent: request.userAgent,
    phone: phone.e164,
  };
  const totp = totpOf(connection);
  const testCode = deps.abuse.testCode(phone.e164);
  if (testCode !== undefined) {
    // A test number: its fixed code works, and no SMS is ever sent (QA, app-store review).
    const issued = await stores.transaction((tx) =>
      codes.issue(tx, {
        connectionId: connection.id,
        clientId: client.client_id,
        phone: phone.e164,
        code: testCode,
        lifetimeSeconds: totp.timeStep,
      }),
    );
    await deps.security.record({
      ...event,
      type: EVENT_TYPES.testNumber,
      description: 'test number: fixed code, no SMS',
    });
    return {
      _id: issued.id,
      phone_number: phone.e164,
      request_language: request.language,
      phone_verified: false,
    };
  }
  const policy = await bruteForce.policy(connection.options.brute_force_protection, phone.e164, callerIp);
  if (policy.on) {
    const blocked = await bruteForce.blockedFor(connection.id, policy.identifier);
    if (blocked > 0) throw new PhoneBlocked(blocked);
  }
  const existing = await users.findByPhone(connection.id, phone.e164);
  if (connection.options.disable_signup === true && !existing) throw new SignupDisabled();
  await deps.abuse.checkStart({
    connection,
    client,
    phone: phone.e164,
    country,
    authenticated,
    limitIp: !authenticated || forwarded !== undefined,
    ip: callerIp,
    userAgent: request.userAgent,
    captcha: request.captcha,
    signup: !existing,
    log: request.log,
  });
  const perPhone = await rateLimiter.hit(
    `start:phone:${phone.e164}`,
    config.limits.sendsPerPhone,
    config.limits.sendsPerPhoneWindowSeconds,
  );
  if (!perPhone.allowed) {
    await deps.security.record({
      ...event,
      type: EVENT_TYPES.phoneLimited,
      rule: 'sends_per_phone',
      description: 'too many codes for this phone',
    });
    throw new RateLimited(
      perPhone.retryAfterSeconds,
      'Too many codes sent to this phone number. Please try again later.',
    );
  }

  const code = OtpCodes.generate(totp.length);
  // Rendered before the transaction: bounded, and a failure stores nothing.
  const rendered = messageText(request.log, connection, {
    code,
    phone_number: phone.e164,
    application: { name: client.name },
    request_language: request.language,
  });
  const text = request.webOtpDomain ? `${rendered}\n\n@${request.webOtpDomain} #${code}` : rendered;
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

  await deps.abuse.sent(phone.e164, country);
  if (local) {
    outbox.notify();
  } else {
    // Auth0 calls the gateway while the caller waits, and reports a refusal as a 400.
    const startedAt = deps.clock.now();
    const result = await callGateway({
      url: connection.options.gateway_url as string,
      recipient: message.recipient,
      body: message.body,
      sender: message.sender,
      authentication: connection.options.gateway_authentication,
      requestInfo: forwardRequestInfo(connection)
        ? { ip: callerIp, 'user-agent': request.userAgent }
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
      await deps.security.record({ ...event, type: EVENT_TYPES.sendFailed, description: result.message });
      throw new SmsNotSent(result.message, result.detail);
    }
  }
  await deps.security.record({
    ...event,
    type: EVENT_TYPES.codeSent,
    description: 'Passwordless login code has been sent',
  });
  return {
    _id: issued.id,
    phone_number: phone.e164,
    request_language: request.language,
    phone_verified: false,
  };
}
