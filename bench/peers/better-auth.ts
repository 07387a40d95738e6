// The better-auth peer: better-auth with its phone-number plugin on better-sqlite3, as its docs set
// it up, mounted on a node:http server. Changed from its defaults only where a login cannot run
// otherwise, or where the bench's single client IP would measure something else:
// - signUpOnVerification: a new phone becomes a user (otpline's connections sign up by default);
// - rateLimit off: all virtual users share 127.0.0.1, so its per-IP limit would cap the run;
// - telemetry off; the schema created with its own migrator at start.
// Run as its own process by bench/logins.ts (PORT, SINK_URL, DB_FILE, BETTER_AUTH_SECRET).
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins/phone-number';
import Database from 'better-sqlite3';
import { request } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const port = Number(env('PORT'));
const sinkUrl = env('SINK_URL');
const database = new Database(env('DB_FILE'));

const options = {
  database,
  baseURL: `http://127.0.0.1:${port}`,
  secret: env('BETTER_AUTH_SECRET'),
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [
    phoneNumber({
      async sendOTP({ phoneNumber, code }) {
        const answer = await request(sinkUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ recipient: phoneNumber, body: `Your code is ${code}`, sender: null }),
        });
        await answer.body.dump();
        if (answer.statusCode >= 300) throw new Error(`sink answered ${answer.statusCode}`);
      },
      signUpOnVerification: { getTempEmail: (phone) => `${phone.slice(1)}@phone.invalid` },
    }),
  ],
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
const handler = toNodeHandler(auth);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  void handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const journal = database.pragma('journal_mode', { simple: true });
  const synchronous = database.pragma('synchronous', { simple: true });
  process.stdout.write(`better-auth ready: sqlite journal_mode=${journal} synchronous=${synchronous}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
