import { segmentInfo } from '../messages/segments.js';
import type { DeliveryReceipt, SendResult } from '../providers/types.js';
import type { Stores } from '../store/index.js';
import type { AttemptRow, MessageRow } from '../store/messages.js';
import type { Dispatch, MessageStatus, MessagesTable } from '../store/tables.js';
import type { Clock } from '../util/clock.js';
import { prefixedId } from '../util/ids.js';
import { DONE, type Next, next, RECEIPT_FROM, type RetrySettings } from './message-status.js';

export type { AttemptRow, MessageRow };

export interface NewMessage {
  source: MessagesTable['source'];
  dispatch: Dispatch;
  connectionId: string | null;
  recipient: string;
  country: string | null;
  body: string;
  bodyRedacted: string;
  sender: string | null;
  expiresAt: number;
  idempotencyKey?: string;
  /** Stored already leased to this worker, which delivers it without claiming it (`OutboxWorker.reserve`). */
  leasedTo?: Lease;
}

/** Who holds a message for delivery, and until when. */
export interface Lease {
  owner: string;
  until: number;
}

/** A `gateway_url` call is made once, while the caller waits: no retries. */
const ONE_ATTEMPT: RetrySettings = { maxAttempts: 1, retryBaseMs: 1, retryMaxMs: 1 };

/**
 * The durable list of messages to deliver. A message is written in the same transaction as the
 * code it carries; workers claim due rows with a lease, so any number of nodes can deliver.
 */
export class Outbox {
  private listeners = new Set<() => void>();

  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
  ) {}

  /** Called after a commit that added messages, so the worker need not wait for its next poll. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private broadcast: (() => void) | undefined;

  /** Called after a commit that added messages: wakes this node's worker, and every other node's. */
  notify(): void {
    this.wake();
    this.broadcast?.();
  }

  /** Wakes this node's worker (a message was stored here or on another node). */
  wake(): void {
    for (const listener of this.listeners) listener();
  }

  /** How `notify` reaches the other nodes (PostgreSQL's NOTIFY); none with one node. */
  broadcastWith(broadcast: () => void): void {
    this.broadcast = broadcast;
  }

  /** Adds a message through `tx` (the caller's transaction, or the root stores). */
  async enqueue(tx: Stores, message: NewMessage): Promise<MessageRow> {
    const now = this.clock.now();
    const id = prefixedId('msg');
    const { encoding, segments } = segmentInfo(message.body);
    const row: MessageRow = {
      id,
      source: message.source,
      dispatch: message.dispatch,
      encoding,
      segments,
      route_step: 0,
      step_failures: 0,
      receipt_detail: null,
      receipt_at: null,
      connection_id: message.connectionId,
      recipient: message.recipient,
      country: message.country,
      body: message.body,
      body_redacted: message.bodyRedacted,
      sender: message.sender,
      status: message.dispatch === 'outbox' && !message.leasedTo ? 'queued' : 'processing',
      attempts: 0,
      next_attempt_at: now,
      lease_owner: message.leasedTo?.owner ?? null,
      lease_until: message.leasedTo?.until ?? null,
      expires_at: message.expiresAt,
      provider: null,
      provider_message_id: null,
      last_error: null,
      idempotency_key: message.idempotencyKey ?? id,
      created_at: now,
      updated_at: now,
    };
    await tx.messages.insert(row);
    return row;
  }

  /** Adds a message on its own (the gateway's messages carry no code). */
  add(message: NewMessage): Promise<MessageRow> {
    return this.enqueue(this.stores, message);
  }

  findByIdempotencyKey(key: string): Promise<MessageRow | undefined> {
    return this.stores.messages.findByIdempotencyKey(key);
  }

  /** Marks messages whose time is up; a code's message never outlives the code. */
  expireDue(): Promise<number> {
    return this.stores.messages.expireDue(this.clock.now());
  }

  /** Returns to the queue the messages whose worker's lease ran out (it died); returns how many. */
  reclaimLapsed(): Promise<number> {
    return this.stores.messages.reclaimLapsed(this.clock.now());
  }

  /**
   * Returns to the queue every message leased to another worker than `owner`. Only for the sole
   * process on a database (SQLite): there, any other lease was left by a process that died.
   */
  reclaimFromEarlierProcesses(owner: string): Promise<number> {
    return this.stores.messages.reclaimOthers(owner, this.clock.now());
  }

  /** Takes up to `limit` due messages for `owner` until the lease runs out. */
  claim(owner: string, limit: number, leaseMs: number): Promise<MessageRow[]> {
    const now = this.clock.now();
    return this.stores.messages.claim(owner, limit, now + leaseMs, now);
  }

  /**
   * Records one attempt and moves the message on by the status machine. `owner` is the lease
   * holder (null for the synchronous `gateway_url` call, which has no lease and no retries);
   * `chainLength` is how many providers the message's route has.
   */
  async recordAttempt(
    message: MessageRow,
    owner: string | null,
    provider: string,
    result: SendResult,
    startedAt: number,
    retry: RetrySettings = ONE_ATTEMPT,
    chainLength = 1,
  ): Promise<{ recorded: boolean; next: Next }> {
    const now = this.clock.now();
    const attempt = message.attempts + 1;
    const after = next(message, attempt, result, now, retry, chainLength);
    const accepted = result.outcome === 'accepted';
    const providerMessageId = accepted ? result.providerMessageId : null;
    const detail = accepted ? null : result.detail.slice(0, 500);
    const row: AttemptRow = {
      id: prefixedId('att'),
      message_id: message.id,
      attempt,
      provider,
      outcome: result.outcome,
      status_code: result.statusCode ?? null,
      error_code: accepted ? null : (result.errorCode ?? null),
      provider_message_id: providerMessageId,
      detail,
      started_at: startedAt,
      finished_at: now,
    };
    const recorded = await this.stores.messages.recordAttempt(message, owner, row, {
      status: after.status,
      nextAttemptAt: after.nextAttemptAt,
      routeStep: after.routeStep,
      stepFailures: after.stepFailures,
      provider,
      providerMessageId,
      lastError: detail,
      final: DONE.has(after.status),
    });
    return { recorded, next: after };
  }

  /** Extends `owner`'s lease on a message to `leaseMs` from now; false when the lease is no longer its own. */
  renewLease(message: MessageRow, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock.now();
    return this.stores.messages.renewLease(message.id, owner, now + leaseMs, now);
  }

  /** Puts a claimed message back, untried, until `at` (every provider of its route is out of rotation). */
  postpone(message: MessageRow, owner: string, at: number): Promise<void> {
    return this.stores.messages.release(message.id, owner, at, this.clock.now());
  }

  /** Applies a provider's delivery receipt; see MessageStore.applyReceipt. */
  applyReceipt(provider: string, receipt: DeliveryReceipt) {
    const now = this.clock.now();
    return this.stores.messages.applyReceipt(provider, receipt.providerMessageId, RECEIPT_FROM, {
      status: receipt.status,
      detail: receipt.detail ?? null,
      at: receipt.at ?? now,
      now,
    });
  }

  get(id: string) {
    return this.stores.messages.get(id);
  }

  list(filter: { status?: MessageStatus; recipient?: string }, offset: number, limit: number) {
    return this.stores.messages.list(filter, offset, limit);
  }
}
