import { base64url, SignJWT } from 'jose';
import { Agent, request } from 'undici';
import type { SendResult } from '../providers/types.js';
import type { GatewayAuthentication } from '../store/connections.js';
import { describeError, redactUrl } from '../util/redact.js';

export interface GatewayCall {
  url: string;
  recipient: string;
  body: string;
  sender: string | null;
  authentication?: GatewayAuthentication;
  requestInfo?: { ip: string; 'user-agent': string };
  timeoutMs: number;
}

/** The bytes an HMAC gateway secret stands for: base64url-decoded when the connection says so. */
export function gatewaySecretKey(secret: string, base64Encoded: boolean | undefined): Uint8Array {
  return base64Encoded ? base64url.decode(secret) : new TextEncoder().encode(secret);
}

/** The bearer token Auth0 sends a custom SMS gateway: HS256, short-lived, `iss: "Auth0"`. */
export async function gatewayBearerToken(auth: GatewayAuthentication, nowSeconds: number): Promise<string> {
  if (!auth.secret) throw new Error('gateway_authentication has no secret');
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Auth0')
    .setAudience(auth.audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 60);
  if (auth.subject) jwt = jwt.setSubject(auth.subject);
  return jwt.sign(gatewaySecretKey(auth.secret, auth.secret_base64_encoded));
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/** The outcome of a gateway call: `message` may be shown to the caller, `detail` only to the operator. */
export type GatewayResult = SendResult & { message: string };

/**
 * Calls a connection's external `gateway_url` the way Auth0 does: one POST of
 * `{recipient, body, sender}` during `/passwordless/start`, no retry. The caller turns a
 * failure into Auth0's `sms_provider_error` with `message`, which never holds the URL or a
 * network error; `detail` (URL redacted) is for the log and the attempt record.
 */
export async function callGateway(call: GatewayCall): Promise<GatewayResult> {
  const payload: Record<string, unknown> = {
    recipient: call.recipient,
    body: call.body,
    sender: call.sender,
  };
  if (call.requestInfo) payload.req = call.requestInfo;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (call.authentication?.secret) {
    const scheme =
      call.authentication.method.toLowerCase() === 'bearer' ? 'Bearer' : call.authentication.method;
    headers.authorization = `${scheme} ${await gatewayBearerToken(call.authentication, Math.floor(Date.now() / 1000))}`;
  }
  const where = `POST ${redactUrl(call.url)}`;
  try {
    const response = await request(call.url, {
      method: 'POST',
      body: JSON.stringify(payload),
      headers,
      dispatcher: agent,
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    await response.body.text().catch(() => '');
    const statusCode = String(response.statusCode);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { outcome: 'accepted', providerMessageId: null, statusCode, message: 'ok' };
    }
    const message =
      response.statusCode === 401
        ? `Authentication failed while calling the SMS gateway: ${response.statusCode}`
        : `Unexpected response while calling the SMS gateway: ${response.statusCode}`;
    return { outcome: 'permanent', statusCode, detail: `HTTP ${statusCode} from ${where}`, message };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    return timedOut
      ? {
          outcome: 'transient',
          detail: `no answer within ${call.timeoutMs} ms from ${where}`,
          message: 'Timeout while calling the SMS gateway: ETIMEDOUT',
        }
      : {
          outcome: 'transient',
          detail: `${describeError(err)} (${where})`,
          message: 'Error while calling the SMS gateway',
        };
  }
}
