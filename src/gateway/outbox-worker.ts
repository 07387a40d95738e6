import type { Logger } from 'pino';
import type { SendResult, SmsProvider } from '../providers/types.js';
import type { Clock } from '../util/clock.js';
import { randomAlphanumeric } from '../util/ids.js';
import type { MessageRow, Outbox } from './outbox.js';

export interface WorkerSettings {
  pollIntervalMs: number;
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Exponential backoff with full jitter: a retry storm spreads out instead of arriving at once. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Delivers outbox messages: claims due rows, sends each through the provider, records the
 * attempt, and schedules a retry for transient failures until attempts or the message's life
 * run out. Runs inside the server; stop() waits for sends in flight.
 */
export class OutboxWorker {
  readonly owner = `worker-${randomAlphanumeric(10)}`;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly provider: SmsProvider,
    private readonly clock: Clock,
    private readonly settings: WorkerSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.outbox.onEnqueued(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.settings.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.current;
  }

  /** Runs a pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = this.loop().finally(() => {
      this.running = false;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        const handled = await this.runOnce();
        if (handled >= this.settings.batchSize) this.again = true;
      } catch (err) {
        this.logger.error({ err }, 'outbox pass failed');
      }
    } while (this.again && !this.stopped);
  }

  /** One pass: expire, claim, deliver. Returns how many messages were claimed. */
  async runOnce(): Promise<number> {
    await this.outbox.expireDue();
    const batch = await this.outbox.claim(this.owner, this.settings.batchSize, this.settings.leaseMs);
    await Promise.all(batch.map((message) => this.deliver(message)));
    return batch.length;
  }

  private async deliver(message: MessageRow): Promise<void> {
    const startedAt = this.clock.now();
    let result: SendResult;
    try {
      result = await this.provider.send(
        {
          id: message.id,
          to: message.recipient,
          from: message.sender,
          body: message.body,
          country: null,
          idempotencyKey: message.idempotency_key,
        },
        AbortSignal.timeout(Math.max(1000, this.settings.leaseMs - 1000)),
      );
    } catch (err) {
      result = { outcome: 'transient', detail: `provider threw: ${(err as Error).message}` };
    }
    const attempt = message.attempts + 1;
    let next: { status: MessageRow['status']; nextAttemptAt?: number };
    if (result.outcome === 'accepted') {
      next = { status: 'sent' };
    } else if (result.outcome === 'transient' && attempt < this.settings.maxAttempts) {
      const at = this.clock.now() + backoffMs(attempt, this.settings.retryBaseMs, this.settings.retryMaxMs);
      next =
        at >= Number(message.expires_at) ? { status: 'expired' } : { status: 'queued', nextAttemptAt: at };
    } else {
      next = { status: 'failed' };
    }
    const recorded = await this.outbox.recordAttempt(
      message,
      this.owner,
      this.provider.name,
      result,
      startedAt,
      next,
    );
    this.logger.info(
      {
        messageId: message.id,
        provider: this.provider.name,
        outcome: result.outcome,
        status: next.status,
        attempt,
        recorded,
      },
      'sms delivery attempt',
    );
  }
}
