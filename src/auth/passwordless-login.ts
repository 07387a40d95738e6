import { AudienceNotAllowed, PhoneBlocked, SignupDisabled, WrongCode } from '../errors.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Client } from '../store/clients.js';
import type { Connection } from '../store/connections.js';
import type { User } from '../store/users.js';
import { hexId } from '../util/ids.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import { requireGrant, smsConnectionFor } from './connection-access.js';
import { userinfoAudience } from './tokens.js';

export type LoginDeps = Pick<
  Services,
  'config' | 'clock' | 'clients' | 'connections' | 'users' | 'codes' | 'bruteForce'
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
  const user = await loginWithCode(deps, client, connection, request.username, request.code);
  return { client, user };
}

/** Checks a phone + code against a connection and returns the user, signing them up on first login. */
async function loginWithCode(
  deps: LoginDeps,
  client: Client,
  connection: Connection,
  username: string,
  code: string,
): Promise<User> {
  const { codes, bruteForce, users, clock } = deps;
  const phone = normalizePhone(username);
  if (!phone.ok) throw new WrongCode();
  const protectedConnection = connection.options.brute_force_protection !== false;
  if (protectedConnection) {
    const blocked = await bruteForce.blockedFor(connection.id, phone.e164);
    if (blocked > 0) throw new PhoneBlocked(blocked);
  }
  // A code is bound to the application that asked for it: another one's try is a counted miss.
  const outcome = await codes.verify(connection.id, phone.e164, client.client_id, code);
  if (!outcome.ok) {
    if (protectedConnection) await bruteForce.recordFailure(connection.id, phone.e164);
    throw new WrongCode();
  }
  if (protectedConnection) await bruteForce.clear(connection.id, phone.e164);

  const now = clock.now();
  const user = await users.findByPhone(connection.id, phone.e164);
  if (!user) {
    if (connection.options.disable_signup === true) throw new SignupDisabled();
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
    return created;
  }
  await users.recordLogin(user.id, now);
  return {
    ...user,
    phone_verified: true,
    last_login: now,
    updated_at: now,
    logins_count: user.logins_count + 1,
  };
}
