import type { Logger } from 'pino';
import type { ProviderSet } from '../providers/provider-set.js';
import type { SendResult } from '../providers/types.js';
import type { ProviderHealthStore } from '../store/provider-health.js';
import type { Clock } from '../util/clock.js';
import { randomAlphanumeric } from '../util/ids.js';
import type { RetrySettings } from './message-status.js';
import type { Lease, MessageRow, Outbox } from './outbox.js';

/** The longest a gateway answer waits for deliveries to catch up. */
const PACE_WAIT_MS = 1000;

/**
 * The most often the worker sweeps the outbox for messages past their time and for leases that
 * ran out. Those look at every queued or leased row, so under load they run a few times a second
 * instead of before each claim (a claim reads only the rows it takes).
 */
const SWEEP_EVERY_MS = 250;
/** What a send returns when the message's lease could not be renewed: nothing was sent. */
const LEASE_LOST = Symbol('lease lost');

export interface WorkerSettings extends RetrySettings {
  pollIntervalMs: number;
  batchSize: number;
  leaseMs: number;
  /** How long a provider-wide fault takes a provider out of rotation. */
  providerDownMs: number;
  /**
   * This is the only process delivering from its database (SQLite): the leases it finds at its
   * first pass were left by a process that died, and go back to the queue at once instead of
   * when they run out.
   */
  soleWorker?: boolean;
}

/** Which providers carry a message, in failover order. */
export interface ChainSource {
  chainFor(message: MessageRow): Promise<string[]> | string[];
}

/**
 * Delivers outbox messages: claims due rows, sends each through the provider its route and step
 * name (skipping providers out of rotation), records the attempt, and lets the status machine
 * decide what follows: done, a retry after a backoff, or the next provider. Runs inside the server;
 * stop() waits for sends in flight.
 */
export class OutboxWorker {
  readonly owner = `worker-${randomAlphanumeric(10)}`;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  /** The last claim took as many as it asked for: more are due than are in flight. */
  private behind = false;
  private readonly waitingForPace = new Set<() => void>();
  /** Ends the loop's wait for sends in flight when a new message arrives. */
  private wake: (() => void) | undefined;
  private current: Promise<void> = Promise.resolve();
  /** The sends in flight, claimed or handed over. */
  private readonly sending = new Set<Promise<void>>();
  /** Slots promised to messages being stored for this worker (`reserve`), not yet handed over. */
  private reserved = 0;
  /** The providers out of rotation, as last read, and until when that read is used. */
  private down?: { providers: Map<string, { until: number }>; freshUntil: number };
  /** When the next sweep for expired messages and lapsed leases is due (the clock's time). */
  private nextSweepAt = Number.NEGATIVE_INFINITY;
  /** The leases an earlier process left (`soleWorker`) are still to be returned. */
  private leftoversChecked = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly providers: ProviderSet,
    private readonly chains: ChainSource,
    private readonly health: ProviderHealthStore,
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
    this.setBehind(false);
    this.wake?.();
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.current;
    await Promise.all(this.sending);
  }

  /**
   * Offers this worker a message its node is about to store. When a send slot is free, the
   * message is stored already leased to this worker (the returned lease) and handed over with
   * `adopt` once it is on disk: no claim reads it back from the outbox. Undefined when the worker
   * is stopped, full or behind: the message is queued and claimed as usual. Every lease given
   * must be answered with one `adopt` call, with the row or without it.
   */
  reserve(): Lease | undefined {
    if (this.stopped || this.behind || this.slotsTaken >= this.settings.batchSize) return undefined;
    this.reserved++;
    return { owner: this.owner, until: this.clock.now() + this.settings.leaseMs };
  }

  /**
   * Starts delivering a message stored under a lease from `reserve`, now durable; without one (it
   * was not stored), frees the slot. A worker stopped meanwhile puts the message back in the queue.
   */
  adopt(message: MessageRow | undefined): void {
    this.reserved--;
    if (message) {
      const delivered = this.stopped
        ? this.outbox.postpone(message, this.owner, this.clock.now())
        : this.providersDown().then((down) => this.deliver(message, down));
      this.track(message.id, delivered);
    }
    // A loop waiting for slots counts this one again.
    this.wake?.();
  }

  /**
   * Flow control for the gateway: resolves at once, unless this node's deliveries are behind what
   * it accepts (its last claim was full); then once they catch up, or after `maxWaitMs`. On one
   * busy thread, accepting and delivering share the CPU: holding the answers slows the senders to
   * the delivery rate, so the outbox does not grow without bound and a message's time to the phone
   * stays short. The message is stored before this wait: nothing is lost by it.
   */
  keepPace(maxWaitMs = PACE_WAIT_MS): Promise<void> {
    if (!this.behind || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waitingForPace.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waitingForPace.add(done);
    });
  }

  private setBehind(behind: boolean): void {
    this.behind = behind;
    if (!behind) for (const done of [...this.waitingForPace]) done();
  }

  /** Runs a pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.wake?.();
      return;
    }
    this.running = true;
    this.current = this.loop().finally(() => {
      this.running = false;
    });
  }

  /**
   * Keeps up to batchSize messages in flight: claims more as sends finish (once a quarter of the
   * slots are free), instead of waiting for the slowest message of a batch before the next one.
   */
  private async loop(): Promise<void> {
    const { sending } = this;
    const { batchSize } = this.settings;
    while (!this.stopped) {
      this.again = false;
      let more = false;
      const free = batchSize - this.slotsTaken;
      if (free > 0) {
        try {
          const started = await this.startDue(free);
          more = started.length === free;
          for (const { id, delivered } of started) this.track(id, delivered);
        } catch (err) {
          this.logger.error({ err }, 'outbox pass failed');
        }
      } else {
        // Every slot is taken by messages handed over: anything queued waits for one, so the
        // worker counts as behind until a claim comes back short, as after a full claim.
        more = true;
      }
      this.setBehind(more);
      if (this.slotsTaken === 0) {
        if (more || this.again) continue;
        break;
      }
      // Claim again once there may be more due (a full claim, a new message) and a quarter of the
      // slots are free: claims stay batches under load, one query for many messages.
      do {
        const woken = new Promise<void>((resolve) => {
          // New messages of this turn come together (and committed) in the next claim.
          this.wake = () => setImmediate(resolve);
        });
        await Promise.race([...sending, woken]);
        this.wake = undefined;
      } while (
        !this.stopped &&
        this.slotsTaken > 0 &&
        (this.slotsTaken > (batchSize * 3) / 4 || !(more || this.again))
      );
    }
    this.setBehind(false);
  }

  /** Send slots in use: sends in flight, and leases promised to messages being stored. */
  private get slotsTaken(): number {
    return this.sending.size + this.reserved;
  }

  /** How often the sweep runs, and how long a read of provider health is used. */
  private get sweepEveryMs(): number {
    return Math.min(this.settings.pollIntervalMs, SWEEP_EVERY_MS);
  }

  /** Keeps a send among those in flight until it ends; its failure is logged, never thrown. */
  private track(id: string, delivered: Promise<void>): void {
    const send: Promise<void> = delivered
      .catch((err: unknown) => this.logger.error({ err, messageId: id }, 'outbox delivery failed'))
      .finally(() => this.sending.delete(send));
    this.sending.add(send);
  }

  /** One pass: expire, claim, deliver. Returns how many messages were claimed. */
  async runOnce(): Promise<number> {
    const started = await this.startDue(this.settings.batchSize);
    await Promise.all(started.map((s) => s.delivered));
    return started.length;
  }

  /** Expires what is past its time, claims up to `limit` due messages and starts delivering each. */
  private async startDue(limit: number): Promise<Array<{ id: string; delivered: Promise<void> }>> {
    await this.sweep();
    const batch = await this.outbox.claim(this.owner, limit, this.settings.leaseMs);
    if (batch.length === 0) return [];
    const down = await this.providersDown();
    return batch.map((message) => ({ id: message.id, delivered: this.deliver(message, down) }));
  }

  /** Expires messages past their time, then returns the lapsed leases of dead workers to the queue. */
  private async sweep(): Promise<void> {
    const now = this.clock.now();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.sweepEveryMs;
    await this.outbox.expireDue();
    if (this.settings.soleWorker && !this.leftoversChecked) {
      const returned = await this.outbox.reclaimFromEarlierProcesses(this.owner);
      this.leftoversChecked = true;
      if (returned > 0)
        this.logger.warn(
          { messages: returned },
          'messages an earlier process was sending when it stopped go out again (a message may reach the phone twice)',
        );
    }
    await this.outbox.reclaimLapsed();
  }

  /**
   * How long a send may take: until a second before the message's lease ends, so that no sweep
   * puts it back in the queue (for this worker or another to send again) while it is being sent.
   * A lease with less than half of that left (the message waited for a provider's slot, or its
   * request was slow to store it) is renewed first. Undefined: the lease ran out and the message
   * is no longer this worker's to send.
   */
  private async sendTimeLeft(message: MessageRow): Promise<number | undefined> {
    const { leaseMs } = this.settings;
    const now = this.clock.now();
    const longest = Math.max(1000, leaseMs - 1000);
    const left = (message.lease_until ?? now + leaseMs) - now - 1000;
    if (left >= longest / 2) return left;
    return (await this.outbox.renewLease(message, this.owner, leaseMs)) ? longest : undefined;
  }

  /**
   * The providers out of rotation: read again after a sweep's interval at most, and at once
   * after this node takes one out.
   */
  private async providersDown(): Promise<Map<string, { until: number }>> {
    const now = this.clock.now();
    if (this.down && now < this.down.freshUntil) return this.down.providers;
    const providers = await this.health.down(now);
    this.down = { providers, freshUntil: now + this.sweepEveryMs };
    return providers;
  }

  private async deliver(claimed: MessageRow, down: Map<string, { until: number }>): Promise<void> {
    const chain = await this.chains.chainFor(claimed);
    // The message's provider, or the next in its route that is in rotation.
    let step = claimed.route_step;
    while (step < chain.length && down.has(chain[step] as string)) step++;
    if (step >= chain.length) {
      const back = Math.min(...chain.slice(claimed.route_step).map((name) => down.get(name)?.until ?? 0));
      await this.outbox.postpone(claimed, this.owner, back);
      this.logger.warn(
        { messageId: claimed.id, providers: chain },
        'every provider of the route is out of rotation',
      );
      return;
    }
    const message =
      step === claimed.route_step ? claimed : { ...claimed, route_step: step, step_failures: 0 };
    const name = chain[step] as string;
    const provider = this.providers.get(name);
    const startedAt = this.clock.now();
    let result: SendResult;
    if (!provider) {
      result = { outcome: 'permanent', detail: `provider "${name}" is not configured on this node` };
    } else {
      try {
        const sent = await this.providers.withSlot(name, async () => {
          const timeoutMs = await this.sendTimeLeft(message);
          if (timeoutMs === undefined) return LEASE_LOST;
          // A timer cleared when the send ends. AbortSignal.timeout's lives until it fires (nearly
          // a lease: a minute by default) or a full GC finalizes its signal: under load, tens of
          // thousands of them, 1-2 KB of heap each, and twice the CPU (docs/performance.md).
          const deadline = new AbortController();
          const timer = setTimeout(
            () => deadline.abort(new DOMException('the send took too long', 'TimeoutError')),
            timeoutMs,
          );
          try {
            return await provider.send(
              {
                id: message.id,
                to: message.recipient,
                from: message.sender,
                body: message.body,
                idempotencyKey: message.idempotency_key,
                country: message.country,
              },
              deadline.signal,
            );
          } finally {
            clearTimeout(timer);
          }
        });
        if (sent === LEASE_LOST) {
          this.logger.warn(
            { messageId: message.id, provider: name },
            'the lease ran out before the message could be sent: it is back in the queue, not sent by this worker',
          );
          return;
        }
        result = sent;
      } catch (err) {
        result = { outcome: 'transient', detail: `provider threw: ${(err as Error).message}` };
      }
    }
    if (result.outcome !== 'accepted' && result.providerFault)
      await this.takeOutOfRotation(name, result.detail);
    const { recorded, next } = await this.outbox.recordAttempt(
      message,
      this.owner,
      name,
      result,
      startedAt,
      this.settings,
      chain.length,
    );
    const attempt = {
      messageId: message.id,
      provider: name,
      outcome: result.outcome,
      status: next.status,
      attempt: message.attempts + 1,
    };
    if (recorded) this.logger.info(attempt, 'sms delivery attempt');
    // Its lease ran out during the send (this node stalled, or the send outlasted it) and the
    // message went back to the queue: whoever holds it now sends it again.
    else
      this.logger.warn(
        attempt,
        'sms delivery attempt not recorded: the lease ran out during the send, so the message goes out again (it may reach the phone twice)',
      );
  }

  private async takeOutOfRotation(name: string, reason: string): Promise<void> {
    const now = this.clock.now();
    await this.health.markDown(name, now + this.settings.providerDownMs, reason.slice(0, 500), now);
    this.down = undefined;
    this.logger.error(
      { provider: name, reason, forSeconds: this.settings.providerDownMs / 1000 },
      'PROVIDER OUT OF ROTATION: a provider-wide fault (credentials, account); its messages go to the next provider of their route',
    );
  }
}
