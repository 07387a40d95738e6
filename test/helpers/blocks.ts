import { ADMIN, type TestServer } from './server.js';

const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';

/**
 * Blocks a phone the way an attacker would: wrong codes at `/oauth/token` until the answer is
 * 429 `too_many_attempts`. A fresh code is asked for every third miss, so this works whether
 * misses count without a code or only against one (3 misses void a code).
 */
export async function blockPhone(
  server: TestServer,
  clientId: string,
  phone: string,
  realm = 'sms',
): Promise<void> {
  for (let miss = 0; miss < 40; miss++) {
    if (miss % 3 === 0) {
      const start = await server.call('POST', '/passwordless/start', {
        json: { client_id: clientId, connection: realm, phone_number: phone },
      });
      if (start.status === 429 && start.body?.error === 'too_many_attempts') return;
    }
    const login = await server.call('POST', '/oauth/token', {
      json: { grant_type: OTP, client_id: clientId, realm, username: phone, otp: '000000' },
    });
    if (login.status === 429) return;
    if (login.status !== 403) throw new Error(`unexpected login answer ${login.status} ${login.text}`);
  }
  throw new Error(`${phone} was not blocked after 40 wrong codes`);
}

/** A token for the management client narrowed to some scopes. */
export async function scopedToken(server: TestServer, scope: string): Promise<string> {
  const result = await server.call('POST', '/oauth/token', {
    json: {
      grant_type: 'client_credentials',
      ...ADMIN,
      audience: `${server.config.issuer}api/v2/`,
      scope,
    },
  });
  if (result.status !== 200) throw new Error(`token: ${result.status} ${result.text}`);
  return result.body.access_token as string;
}
