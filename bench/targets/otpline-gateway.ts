import { randomBytes } from 'node:crypto';
import { gatewayClient } from '../lib/gateway-client.js';
import type { GatewayTarget } from '../lib/gateway-target.js';
import { startOtpline } from './otpline.js';

/** otpline's gateway half: POST /gateway/sms → its outbox (SQLite) → the webhook provider → the sink. */
export const otplineGateway: GatewayTarget = {
  name: 'otpline',
  notes: [
    'default durability (SQLite WAL, synchronous=FULL) and outbox settings; OTPLINE_PROVIDER=webhook posting to the sink',
    'abuse volume rules off (config file), as the whole load comes from one IP',
  ],
  async launch(sink, senders) {
    const secret = randomBytes(32).toString('hex');
    const running = await startOtpline({
      OTPLINE_GATEWAY_SECRET: secret,
      OTPLINE_PROVIDER: 'webhook',
      OTPLINE_WEBHOOK_URL: `${sink.origin}/webhook`,
    });
    const client = gatewayClient(running.origin, secret, senders);
    return {
      processes: [running.server],
      send: client.send,
      async close() {
        await client.close();
        await running.stop();
      },
    };
  },
};
