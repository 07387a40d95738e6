import { CallFailed, type LoadClient } from './http.js';
import type { LoginProtocol } from './load.js';

const GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

/**
 * Auth0's passwordless login, as a confidential client (a backend holding the client secret) does
 * it: POST /passwordless/start (JSON), then the OTP grant at /oauth/token (a form, as the SDKs send).
 */
export function auth0Protocol(
  http: LoadClient,
  client: { client_id: string; client_secret: string },
  connection: string,
): LoginProtocol {
  return {
    async start(phone) {
      await http.post('start', '/passwordless/start', {
        ...client,
        connection,
        phone_number: phone,
        send: 'code',
      });
    },
    async verify(phone, otp) {
      const tokens = (await http.post(
        'verify',
        '/oauth/token',
        { ...client, grant_type: GRANT, realm: connection, username: phone, otp, scope: 'openid' },
        true,
      )) as { id_token?: unknown } | null;
      if (typeof tokens?.id_token !== 'string') throw new CallFailed('verify no-id_token', 'no id_token');
    },
  };
}
