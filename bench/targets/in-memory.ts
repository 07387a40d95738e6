import { randomBytes } from 'node:crypto';
import { auth0Protocol } from '../lib/auth0-protocol.js';
import { freePort, spawnServer, waitReady } from '../lib/child.js';
import { compilePeer, root } from '../lib/compile.js';
import { LoadClient } from '../lib/http.js';
import type { Target } from '../lib/target.js';

/** bench/peers/in-memory.ts: otpline's protocol with RS256 tokens and no store, the ceiling. */
export const inMemory: Target = {
  name: 'in-memory',
  notes: ['same protocol and RS256 id_token + access_token as otpline; no store, no limits: the ceiling'],
  async launch(sink, vus) {
    const port = await freePort();
    const client = { client_id: 'bench', client_secret: randomBytes(24).toString('hex') };
    const server = spawnServer(
      [compilePeer('in-memory.ts')],
      {
        PORT: String(port),
        SINK_URL: sink.url,
        CLIENT_ID: client.client_id,
        CLIENT_SECRET: client.client_secret,
        CONNECTION: 'sms',
      },
      root,
    );
    const origin = `http://127.0.0.1:${port}`;
    await waitReady(`${origin}/healthz`, server);
    const http = new LoadClient(origin, vus);
    return {
      server,
      protocol: auth0Protocol(http, client, 'sms'),
      async close() {
        await http.close();
        await server.stop();
      },
    };
  },
};
