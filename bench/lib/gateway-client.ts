import { SignJWT } from 'jose';
import { Pool } from 'undici';
import type { GatewayMessage } from './gateway-target.js';
import { call } from './http.js';

/**
 * Auth0's custom SMS gateway contract, as Auth0 (or an Action) calls it: `POST /gateway/sms` with
 * `{recipient, body}` and a bearer JWT (HS256 with the gateway secret, `aud` = <issuer>gateway/sms,
 * `iat`). One token is shared by the senders and signed again every minute, well inside the
 * five minutes a gateway accepts it for.
 */
export function gatewayClient(origin: string, secret: string, connections: number) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const key = new TextEncoder().encode(secret);
  let token: { value: Promise<string>; at: number } | undefined;
  const bearer = () => {
    if (!token || Date.now() - token.at > 60_000) {
      const iat = Math.floor(Date.now() / 1000);
      const value = new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setAudience(`${origin}/gateway/sms`)
        .setIssuedAt(iat)
        .sign(key);
      token = { value, at: Date.now() };
    }
    return token.value;
  };
  return {
    async send(message: GatewayMessage): Promise<void> {
      await call(pool, 'accept', {
        method: 'POST',
        path: '/gateway/sms',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await bearer()}` },
        body: JSON.stringify({ recipient: message.phone, body: message.text }),
      });
    },
    close: () => pool.close(),
  };
}
