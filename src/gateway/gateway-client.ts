import { base64url, SignJWT } from 'jose';
import { describeCall, HttpClient } from '../providers/http-client.js';
import type { SendResult } from '../providers/types.js';
import type { GatewayAuthentication } from '../store/connections.js';

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

const http = new HttpClient();

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
  const answer = await http.call({
    method: 'POST',
    url: call.url,
    headers,
    body: JSON.stringify(payload),
    timeoutMs: call.timeoutMs,
    // Auth0 reads nothing from the answer but its status.
    maxBodyBytes: 4096,
  });
  if (answer.kind === 'failed') {
    const message = answer.timedOut
      ? 'Timeout while calling the SMS gateway: ETIMEDOUT'
      : 'Error while calling the SMS gateway';
    return { outcome: 'transient', detail: answer.detail, message };
  }
  const statusCode = String(answer.status);
  // Any 2xx, not 200 only (decision 0002); nothing else is retried, as the caller is waiting.
  if (answer.outcome === 'accepted')
    return { outcome: 'accepted', providerMessageId: null, statusCode, message: 'ok' };
  const message =
    answer.status === 401
      ? `Authentication failed while calling the SMS gateway: ${answer.status}`
      : `Unexpected response while calling the SMS gateway: ${answer.status}`;
  return {
    outcome: 'permanent',
    statusCode,
    detail: `HTTP ${statusCode} from ${describeCall('POST', call.url)}`,
    message,
  };
}
