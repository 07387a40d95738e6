// The gateway ceiling: Auth0's custom SMS gateway contract (POST /gateway/sms, bearer HS256 JWT
// checked with the key imported once, {recipient, body}) answered 200 as soon as the message is in
// an array, then posted as JSON to the SMSC with at most MAX_IN_FLIGHT requests out at a time and
// retried on failure. No store: a crash loses every message not yet delivered. Run as its own
// process by bench/gateway.ts (PORT, SINK_URL, GATEWAY_SECRET, AUDIENCE).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { Pool } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const port = Number(env('PORT'));
const sink = new URL(env('SINK_URL'));
const key = new TextEncoder().encode(env('GATEWAY_SECRET'));
const audience = env('AUDIENCE');
const MAX_IN_FLIGHT = 50;
const pool = new Pool(sink.origin, { connections: MAX_IN_FLIGHT, keepAliveTimeout: 60_000 });

interface Message {
  id: string;
  to: string;
  body: string;
}
const queue: Message[] = [];
let inFlight = 0;

async function deliver(message: Message): Promise<void> {
  try {
    const answer = await pool.request({
      method: 'POST',
      path: sink.pathname,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: message.id, to: message.to, from: null, body: message.body }),
    });
    await answer.body.dump();
    if (answer.statusCode >= 300) queue.push(message);
  } catch {
    queue.push(message);
  }
}

function pump(): void {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const message = queue.shift() as Message;
    inFlight++;
    void deliver(message).finally(() => {
      inFlight--;
      pump();
    });
  }
}

function readJson(req: IncomingMessage): Promise<{ recipient?: unknown; body?: unknown }> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(raw));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const verified = token
    ? await jwtVerify(token, key, { algorithms: ['HS256'], audience, maxTokenAge: 300 }).then(
        () => true,
        () => false,
      )
    : false;
  if (!verified) {
    req.resume();
    return send(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid bearer token' });
  }
  const { recipient, body } = await readJson(req);
  if (typeof recipient !== 'string' || !/^\+[0-9]{6,15}$/.test(recipient) || typeof body !== 'string')
    return send(res, 400, { statusCode: 400, error: 'Bad Request', message: 'recipient and body required' });
  const message = { id: randomUUID(), to: recipient, body };
  queue.push(message);
  pump();
  send(res, 200, { id: message.id, status: 'queued', recipient });
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/gateway/sms') return send(res, 404, { error: 'not_found' });
  accept(req, res).catch((err: Error) => send(res, 500, { error: 'server_error', message: err.message }));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
