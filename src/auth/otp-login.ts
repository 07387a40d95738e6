import { AccessDenied, TooManyAttempts } from '../http/errors.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Client } from '../store/clients.js';
import type { Connection } from '../store/connections.js';
import type { User } from '../store/users.js';
import { hexId } from '../util/ids.js';

/**
 * Checks a phone + code against a connection and returns the user, signing them up on first
 * login. `wrongCode` builds the endpoint's own error for a bad phone or code.
 */
export async function loginWithCode(
  services: Services,
  client: Client,
  connection: Connection,
  username: string,
  code: string,
  wrongCode: () => Error,
): Promise<User> {
  const { codes, bruteForce, users, clock } = services;
  const phone = normalizePhone(username);
  if (!phone.ok) throw wrongCode();
  const protectedConnection = connection.options.brute_force_protection !== false;
  if (protectedConnection) {
    const blocked = await bruteForce.blockedFor(connection.id, phone.e164);
    if (blocked > 0) throw new TooManyAttempts(blocked);
  }
  // A code is bound to the application that asked for it: another one's try is a counted miss.
  const outcome = await codes.verify(connection.id, phone.e164, client.client_id, code);
  if (!outcome.ok) {
    if (protectedConnection) await bruteForce.recordFailure(connection.id, phone.e164);
    throw wrongCode();
  }
  if (protectedConnection) await bruteForce.clear(connection.id, phone.e164);

  const now = clock.now();
  let user = await users.findByPhone(connection.id, phone.e164);
  if (!user) {
    if (connection.options.disable_signup === true)
      throw new AccessDenied('Signups are disabled for this connection');
    user = {
      id: hexId(),
      connection_id: connection.id,
      phone_number: phone.e164,
      phone_verified: true,
      created_at: now,
      updated_at: now,
      last_login: now,
      logins_count: 1,
    };
    await users.insert(user);
    return user;
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
