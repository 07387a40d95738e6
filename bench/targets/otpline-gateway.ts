import { randomBytes } from 'node:crypto';
import { gatewayClient } from '../lib/gateway-client.js';
import type { GatewayTarget, Receiver } from '../lib/gateway-target.js';
import { startOtpline } from './otpline.js';

/** The provider settings that deliver to the receiver: the webhook provider, or the SMPP driver. */
function provider(receiver: Receiver): Record<string, string> {
  if (receiver.leg === 'http')
    return { OTPLINE_PROVIDER: 'webhook', OTPLINE_WEBHOOK_URL: `${receiver.origin}/webhook` };
  return {
    OTPLINE_PROVIDER: 'smpp',
    OTPLINE_SMPP_HOST: receiver.host,
    OTPLINE_SMPP_PORT: String(receiver.port),
    OTPLINE_SMPP_SYSTEM_ID: receiver.account.systemId,
    OTPLINE_SMPP_PASSWORD: receiver.account.password,
    OTPLINE_SMPP_SYSTEM_TYPE: receiver.account.systemType,
    // Kannel's global-sender: the gateway contract carries no sender.
    OTPLINE_SMPP_SOURCE_ADDR: '12345',
  };
}

/**
 * otpline's gateway half: POST /gateway/sms → its outbox (SQLite) → the webhook provider → the sink,
 * or → the SMPP driver → the SMSC.
 */
export const otplineGateway: GatewayTarget = {
  name: 'otpline',
  legs: ['http', 'smpp'],
  notes: (leg) => [
    leg === 'http'
      ? 'default durability (SQLite WAL, every answer after the WAL is fdatasynced) and outbox settings; OTPLINE_PROVIDER=webhook posting to the sink'
      : 'default durability (SQLite WAL, every answer after the WAL is fdatasynced) and outbox settings; OTPLINE_PROVIDER=smpp bound (transceiver) to the SMSC, default window (10), source_addr 12345; it asks for receipts (registered_delivery 1), the SMSC sends none',
    'abuse volume rules off (config file), as the whole load comes from one IP',
  ],
  async launch(receiver, senders) {
    const secret = randomBytes(32).toString('hex');
    const running = await startOtpline({ OTPLINE_GATEWAY_SECRET: secret, ...provider(receiver) });
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
