import { AudienceNotAllowed, PhoneBlocked, SignupDisabled, WrongCode } from '../errors.js';
import { EVENT_TYPES } from '../events/types.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Client } from '../store/clients.js';
import type { Connection } from '../store/connections.js';
import type { User } from '../store/users.js';
import { hexId } from '../util/ids.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import { requireGrant, smsConnectionFor } from './connection-access.js';
import { userinfoAudience, userSub } from './tokens.js';

export type LoginDeps = Pick<
  Services,
  'config' | 'clock' | 'clients' | 'connections' | 'users' | 'codes' | 'bruteForce' | 'abuse' | 'security'
>;

export interface LoginRequest {
  credentials: ClientCredentials;
  /** The grant the client must be allowed: the OTP grant, or the legacy /oauth/ro one. */
  grantType: string;
  /** The connection's name (`realm`, or `connection` at /oauth/ro). */
  connection: string;
  username: string;
  code: string;
  /** The API the access token is for; only `/userinfo` is served (the OTP grant sends it). */
  audience?: string;
  /** The caller's IP and user agent, for the brute-force settings and the security log. */
  ip: string;
  userAgent: string;
}

/**
 * The login both `/oauth/token` (passwordless OTP grant) and the legacy `/oauth/ro` perform:
 * authenticate the client (confidential ones need their secret), check grant and connection,
 * then the phone and code. Returns the user, signed up on first login.
 */
export async function passwordlessLogin(
  deps: LoginDeps,
  request: LoginRequest,
): Promise<{ client: Client; user: User }> {
  const { client } = await authenticateClient(deps.clients, request.credentials, true);
  requireGrant(client, request.grantType);
  const connection = await smsConnectionFor(deps.connections, client, request.connection);
  const { audience } = request;
  if (audience !== undefined && audience !== '' && audience !== userinfoAudience(deps.config.issuer)) {
    throw new AudienceNotAllowed(`Service not found: ${audience}`);
  }
  const user = await loginWithCode(deps, client, connection, request);
  return { client, user };
}

/**
 * Checks a phone + code against a connection and returns the user, signing them up on first login.
 * The hosted login page calls it directly: its client and connection are checked at /authorize.
 */
export async function loginWithCode(
  deps: LoginDeps,
  client: Client,
  connection: Connection,
  request: Pick<LoginRequest, 'username' | 'code' | 'ip' | 'userAgent'>,
): Promise<User> {
  const { codes, bruteForce, users, clock, security } = deps;
  const phone = normalizePhone(request.username);
  if (!phone.ok) throw new WrongCode();
  const event = {
    clientId: client.client_id,
    clientName: client.name,
    connectionId: connection.id,
    connection: connection.name,
    ip: request.ip,
    userAgent: request.userAgent,
    phone: phone.e164,
  };
  const policy = await bruteForce.policy(connection.options.brute_force_protection, phone.e164, request.ip);
  if (policy.on) {
    const blocked = await bruteForce.blockedFor(connection.id, policy.identifier);
    if (blocked > 0) throw new PhoneBlocked(blocked);
  }
  // A code is bound to the application that asked for it: another one's try is a counted miss.
  const outcome = await codes.verify(connection.id, phone.e164, client.client_id, request.code);
  if (!outcome.ok) {
    await security.record({
      ...event,
      type: EVENT_TYPES.wrongCode,
      description: `Wrong phone number or verification code (${outcome.reason})`,
    });
    if (policy.on && !policy.exempt && (await bruteForce.recordFailure(connection.id, policy))) {
      await security.record({
        ...event,
        type: EVENT_TYPES.blockedAccount,
        rule: 'brute_force_protection',
        description: `blocked after ${policy.maxAttempts} failed logins`,
      });
    }
    throw new WrongCode();
  }
  if (policy.on) await bruteForce.clear(connection.id, policy.identifier);
  await deps.abuse.verified(phone.e164, phone.country ?? null);

  const now = clock.now();
  const user = await users.findByPhone(connection.id, phone.e164);
  if (!user) {
    if (connection.options.disable_signup === true) {
      await security.record({
        ...event,
        type: EVENT_TYPES.failedLogin,
        description: 'Signups are disabled for this connection',
      });
      throw new SignupDisabled();
    }
    const created: User = {
      id: hexId(),
      connection_id: connection.id,
      phone_number: phone.e164,
      phone_verified: true,
      created_at: now,
      updated_at: now,
      last_login: now,
      logins_count: 1,
    };
    await users.insert(created);
    await security.record({
      ...event,
      userId: userSub(created),
      type: EVENT_TYPES.signup,
      description: 'Successful signup',
    });
    await security.record({
      ...event,
      userId: userSub(created),
      type: EVENT_TYPES.login,
      description: 'Successful login',
    });
    return created;
  }
  await users.recordLogin(user.id, now);
  await security.record({
    ...event,
    userId: userSub(user),
    type: EVENT_TYPES.login,
    description: 'Successful login',
  });
  return {
    ...user,
    phone_verified: true,
    last_login: now,
    updated_at: now,
    logins_count: user.logins_count + 1,
  };
}
