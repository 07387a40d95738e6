import { createHash } from 'node:crypto';
import type { DriverContext } from '../providers/driver.js';
import type { ProviderSet } from '../providers/provider-set.js';
import { twilioProviderForConnection } from '../providers/twilio/index.js';
import type { Connection, ConnectionStore } from '../store/connections.js';
import type { MessageRow } from './outbox.js';
import type { ChainSource } from './outbox-worker.js';
import type { Router } from './routing.js';

const CONNECTION_TTL_MS = 30_000;

/**
 * The provider chain of each message. A message of a connection with Auth0's `provider: "twilio"`
 * and its own `twilio_sid` and `twilio_token` goes through Twilio with that account, as Auth0 sends
 * it; every other message follows the configured routes.
 */
export class MessageChains implements ChainSource {
  private readonly connections = new Map<string, { connection: Connection | undefined; until: number }>();

  constructor(
    private readonly store: ConnectionStore,
    private readonly router: Router,
    private readonly providers: ProviderSet,
    /** The twilio driver's settings that also apply to connections' accounts (a proxy's base URL). */
    private readonly twilioDefaults: { baseUrl?: string; timeoutMs?: number },
    private readonly context: DriverContext,
  ) {}

  async chainFor(message: MessageRow): Promise<string[]> {
    const connection = message.connection_id ? await this.connection(message.connection_id) : undefined;
    const options = connection?.options;
    if (connection && options?.provider === 'twilio' && options.twilio_sid && options.twilio_token) {
      // Named by the credentials, so a connection whose account changed gets a provider of its own.
      const hash = createHash('sha256')
        .update(`${options.twilio_sid}\n${options.twilio_token}\n${options.messaging_service_sid ?? ''}`)
        .digest('hex')
        .slice(0, 12);
      const name = `twilio:${connection.id}:${hash}`;
      if (!this.providers.get(name)) {
        // No status callback: receipts are checked with the configured account's token, not this one.
        const { receiptUrl: _none, ...context } = this.context;
        this.providers.add(
          name,
          twilioProviderForConnection(
            {
              twilio_sid: options.twilio_sid,
              twilio_token: options.twilio_token,
              ...(options.messaging_service_sid
                ? { messaging_service_sid: options.messaging_service_sid }
                : {}),
            },
            { ...this.twilioDefaults, ...context },
          ),
        );
      }
      return [name];
    }
    return this.router.chainFor(message);
  }

  private async connection(id: string): Promise<Connection | undefined> {
    const now = Date.now();
    const cached = this.connections.get(id);
    if (cached && cached.until > now) return cached.connection;
    const connection = await this.store.get(id);
    if (this.connections.size > 1000) this.connections.clear();
    this.connections.set(id, { connection, until: now + CONNECTION_TTL_MS });
    return connection;
  }
}
