import type { Logger } from 'pino';
import type { SendResult, SmsProvider } from '../providers/types.js';
import type { Clock } from '../util/clock.js';
import { randomAlphanumeric } from '../util/ids.js';
import type { RetrySettings } from './message-status.js';
import type { MessageRow, Outbox } from './outbox.js';

export interface WorkerSettings extends RetrySettings {
  pollIntervalMs: number;
  batchSize: number;
  leaseMs: number;
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
        if (handled >= this.passLimit()) this.again = true;
      } catch (err) {
        this.logger.error({ err }, 'outbox pass failed');
      }
    } while (this.again && !this.stopped);
  }

  /**
   * One pass: expire, claim, deliver. Returns how many messages were claimed. A pass claims no
   * more than the provider takes at once, so its sends are never more than that in flight.
   */
  async runOnce(): Promise<number> {
    await this.outbox.expireDue();
    const batch = await this.outbox.claim(this.owner, this.passLimit(), this.settings.leaseMs);
    await Promise.all(batch.map((message) => this.deliver(message)));
    return batch.length;
  }

  private passLimit(): number {
    return Math.min(this.settings.batchSize, this.provider.maxConcurrency ?? Number.POSITIVE_INFINITY);
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
          idempotencyKey: message.idempotency_key,
          country: message.country,
        },
        AbortSignal.timeout(Math.max(1000, this.settings.leaseMs - 1000)),
      );
    } catch (err) {
      result = { outcome: 'transient', detail: `provider threw: ${(err as Error).message}` };
    }
    const { recorded, next } = await this.outbox.recordAttempt(
      message,
      this.owner,
      this.provider.name,
      result,
      startedAt,
      this.settings,
    );
    this.logger.info(
      {
        messageId: message.id,
        provider: this.provider.name,
        outcome: result.outcome,
        status: next.status,
        attempt: message.attempts + 1,
        recorded,
      },
      'sms delivery attempt',
    );
  }
}
