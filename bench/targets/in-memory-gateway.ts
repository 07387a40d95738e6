import { randomBytes } from 'node:crypto';
import { freePort, spawnServer, waitReady } from '../lib/child.js';
import { compilePeer, root } from '../lib/compile.js';
import { gatewayClient } from '../lib/gateway-client.js';
import type { GatewayTarget } from '../lib/gateway-target.js';

/** bench/peers/in-memory-gateway.ts: HTTP in (the JWT checked) → an array → HTTP out. The ceiling. */
export const inMemoryGateway: GatewayTarget = {
  name: 'in-memory',
  // No SMPP client: on the smpp leg, otpline and Kannel are compared with each other only.
  legs: ['http'],
  notes: () => [
    'same contract as otpline (bearer HS256 JWT, {recipient, body}); an in-memory queue, 50 sends in flight; no store',
  ],
  async launch(sink, senders) {
    if (sink.leg !== 'http') throw new Error('in-memory: no SMPP client');
    const port = await freePort();
    const secret = randomBytes(32).toString('hex');
    const origin = `http://127.0.0.1:${port}`;
    const server = spawnServer(
      [compilePeer('in-memory-gateway.ts')],
      {
        PORT: String(port),
        SINK_URL: `${sink.origin}/webhook`,
        GATEWAY_SECRET: secret,
        AUDIENCE: `${origin}/gateway/sms`,
      },
      root,
    );
    await waitReady(`${origin}/healthz`, server);
    const client = gatewayClient(origin, secret, senders);
    return {
      processes: [server],
      send: client.send,
      async close() {
        await client.close();
        await server.stop();
      },
    };
  },
};
