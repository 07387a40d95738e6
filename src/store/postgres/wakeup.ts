import pg from 'pg';
import type { Log } from '../../observability/logger.js';

const CHANNEL = 'otpline_outbox';

/**
 * Wakes the outbox workers of every node when one node stores a message: `NOTIFY` on commit, and a
 * connection of its own on each node that `LISTEN`s. A lost connection is opened again; meanwhile
 * the workers' poll still finds every message, only later.
 */
export class ClusterWakeup {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = 500;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onWake: () => void,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen().catch((err: unknown) => this.lost(err));
  }

  /** Tells every node (this one included) that messages are waiting. */
  notify(): void {
    this.pool.query(`select pg_notify('${CHANNEL}', '')`).catch((err: unknown) => {
      this.log.info({ err }, 'NOTIFY failed; workers will find the message at their next poll');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.pool.options);
    // Only the current connection's troubles count: a late error from an old one is ignored.
    client.on('error', (err) => {
      if (this.client === client) this.lost(err);
    });
    client.on('end', () => {
      if (this.client === client) this.lost(new Error('LISTEN connection closed'));
    });
    client.on('notification', () => this.onWake());
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
    this.backoffMs = 500;
    // Messages stored while no one was listening are picked up now, not at the next poll.
    this.onWake();
  }

  private lost(err: unknown): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => {});
    if (this.stopped || this.retry) return;
    this.log.warn({ err }, 'lost the LISTEN connection to PostgreSQL; reconnecting');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen().catch((e: unknown) => this.lost(e));
    }, this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
  }
}
