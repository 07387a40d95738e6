import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer, waitReady } from '../lib/child.js';
import { root } from '../lib/compile.js';
import { gatewayClient } from '../lib/gateway-client.js';
import type { GatewayTarget } from '../lib/gateway-target.js';
import { BENCH_CONFIG, buildOtpline } from './otpline.js';

/** otpline's gateway half: POST /gateway/sms → its outbox (SQLite) → the webhook provider → the sink. */
export const otplineGateway: GatewayTarget = {
  name: 'otpline',
  notes: [
    'default durability (SQLite WAL, synchronous=FULL) and outbox settings; OTPLINE_PROVIDER=webhook posting to the sink',
    'abuse volume rules off (config file), as the whole load comes from one IP',
  ],
  async launch(sink, senders) {
    buildOtpline();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-otpline-gw-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(BENCH_CONFIG));
    const secret = randomBytes(32).toString('hex');
    const admin = { id: 'bench-admin', secret: randomBytes(24).toString('hex') };
    const origin = `http://127.0.0.1:${port}`;
    const server = spawnServer(
      ['dist/cli/main.js', 'start'],
      {
        OTPLINE_CONFIG: configFile,
        OTPLINE_DATA_DIR: join(dir, 'data'),
        OTPLINE_PORT: String(port),
        OTPLINE_ISSUER: `${origin}/`,
        OTPLINE_ADMIN_CLIENT_ID: admin.id,
        OTPLINE_ADMIN_CLIENT_SECRET: admin.secret,
        OTPLINE_GATEWAY_SECRET: secret,
        OTPLINE_PROVIDER: 'webhook',
        OTPLINE_WEBHOOK_URL: `${sink.origin}/webhook`,
        OTPLINE_LOG_LEVEL: 'warn',
        OTPLINE_LOG_FORMAT: 'json',
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
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
