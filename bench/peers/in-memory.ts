// The ceiling: the same login protocol as otpline (/passwordless/start posting {recipient, body}
// to the connection's gateway while the caller waits, then the passwordless OTP grant answering
// RS256-signed id_token and access_token), with every piece of state in memory and no checks
// beyond the code itself. Run as its own process by bench/logins.ts (PORT, SINK_URL, CLIENT_ID,
// CLIENT_SECRET, CONNECTION).
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const port = Number(env('PORT'));
const sinkUrl = env('SINK_URL');
const clientId = env('CLIENT_ID');
const clientSecret = env('CLIENT_SECRET');
const connection = env('CONNECTION');
const issuer = `http://127.0.0.1:${port}/`;
const { privateKey } = await generateKeyPair('RS256');
const kid = randomUUID();
const codes = new Map<string, { code: string; expires: number; tries: number }>();
const users = new Map<string, string>();

function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        const json = (req.headers['content-type'] ?? '').startsWith('application/json');
        resolve(json ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sign(payload: Record<string, unknown>, audience: string | string[], lifetime: number) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(privateKey);
}

async function start(body: Record<string, string>, res: ServerResponse): Promise<void> {
  const phone = body.phone_number ?? '';
  if (body.client_id !== clientId || body.client_secret !== clientSecret || body.connection !== connection)
    return send(res, 401, { error: 'unauthorized_client' });
  if (!/^\+[0-9]{6,15}$/.test(phone)) return send(res, 400, { error: 'bad.phone_number' });
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  codes.set(phone, { code, expires: Date.now() + 300_000, tries: 0 });
  const answer = await request(sinkUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ recipient: phone, body: `Your code is ${code}`, sender: null }),
  });
  await answer.body.dump();
  if (answer.statusCode >= 300) return send(res, 400, { error: 'sms_provider_error' });
  send(res, 200, { _id: randomUUID(), phone_number: phone, request_language: null, phone_verified: false });
}

async function token(body: Record<string, string>, res: ServerResponse): Promise<void> {
  if (body.grant_type !== 'http://auth0.com/oauth/grant-type/passwordless/otp')
    return send(res, 400, { error: 'unsupported_grant_type' });
  if (body.client_id !== clientId || body.client_secret !== clientSecret || body.realm !== connection)
    return send(res, 401, { error: 'access_denied' });
  const phone = body.username ?? '';
  const entry = codes.get(phone);
  if (!entry || entry.expires < Date.now() || entry.code !== body.otp) {
    if (entry && ++entry.tries >= 3) codes.delete(phone);
    return send(res, 403, {
      error: 'invalid_grant',
      error_description: 'Wrong phone number or verification code.',
    });
  }
  codes.delete(phone);
  let id = users.get(phone);
  if (!id) {
    id = randomUUID();
    users.set(phone, id);
  }
  const sub = `sms|${id}`;
  const claims = { sub, name: phone, phone_number: phone, phone_verified: true };
  const [idToken, accessToken] = await Promise.all([
    sign(claims, clientId, 36_000),
    sign({ sub, azp: clientId, scope: 'openid' }, [`${issuer}userinfo`], 86_400),
  ]);
  send(res, 200, {
    access_token: accessToken,
    id_token: idToken,
    scope: 'openid',
    expires_in: 86_400,
    token_type: 'Bearer',
  });
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  const route = req.url === '/passwordless/start' ? start : req.url === '/oauth/token' ? token : undefined;
  if (req.method !== 'POST' || !route) return send(res, 404, { error: 'not_found' });
  readBody(req)
    .then((body) => route(body, res))
    .catch((err: Error) => send(res, 500, { error: 'server_error', error_description: err.message }));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
