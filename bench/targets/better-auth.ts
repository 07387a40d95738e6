import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer, waitReady } from '../lib/child.js';
import { compilePeer, root } from '../lib/compile.js';
import { CallFailed, LoadClient } from '../lib/http.js';
import type { Target } from '../lib/target.js';

/** bench/peers/better-auth.ts: better-auth's phone-number plugin on better-sqlite3. */
export const betterAuth: Target = {
  name: 'better-auth',
  notes: [
    'phone-number plugin on better-sqlite3 with its default pragmas; schema by its own migrator',
    'rate limiting disabled (all virtual users share one IP); signUpOnVerification on (a new phone is a new user)',
    'a login ends with a session row and token, not signed JWTs',
  ],
  async launch(sink, vus) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-better-auth-'));
    const server = spawnServer(
      [compilePeer('better-auth.ts')],
      {
        PORT: String(port),
        SINK_URL: sink.url,
        DB_FILE: join(dir, 'auth.sqlite'),
        BETTER_AUTH_SECRET: randomBytes(32).toString('hex'),
        BETTER_AUTH_TELEMETRY: '0',
        NODE_ENV: 'production',
      },
      root,
    );
    const origin = `http://127.0.0.1:${port}`;
    await waitReady(`${origin}/healthz`, server);
    const http = new LoadClient(origin, vus);
    const pragmas = /journal_mode=\S+ synchronous=\S+/.exec(server.output())?.[0];
    return {
      server,
      facts: pragmas ? [`sqlite ${pragmas} (better-sqlite3 defaults)`] : [],
      protocol: {
        async start(phoneNumber) {
          await http.post('start', '/api/auth/phone-number/send-otp', { phoneNumber });
        },
        async verify(phoneNumber, code) {
          const answer = (await http.post('verify', '/api/auth/phone-number/verify', {
            phoneNumber,
            code,
          })) as { token?: unknown } | null;
          if (typeof answer?.token !== 'string') throw new CallFailed('verify no-token', 'no session token');
        },
      },
      async close() {
        await http.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
