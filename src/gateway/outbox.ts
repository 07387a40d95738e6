import type { Kysely, Transaction } from 'kysely';
import type { SendResult } from '../providers/types.js';
import type { Db } from '../store/database.js';
import type { Database, MessageAttemptsTable, MessageStatus, MessagesTable } from '../store/tables.js';
import type { Clock } from '../util/clock.js';
import { prefixedId } from '../util/ids.js';

export interface NewMessage {
  source: MessagesTable['source'];
  route: MessagesTable['route'];
  connectionId: string | null;
  recipient: string;
  body: string;
  bodyRedacted: string;
  sender: string | null;
  expiresAt: number;
  idempotencyKey?: string;
}

export type MessageRow = MessagesTable;
export type AttemptRow = MessageAttemptsTable;

const FINAL: MessageStatus[] = ['sent', 'failed', 'expired'];

/**
 * The durable list of messages to deliver. A message is written in the same transaction as the
 * code it carries; the worker claims due rows with a lease, so any number of nodes can deliver.
 */
export class Outbox {
  private listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Called after a commit that added messages, so the worker need not wait for its next poll. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  async enqueue(trx: Transaction<Database> | Kysely<Database>, message: NewMessage): Promise<MessageRow> {
    const now = this.clock.now();
    const id = prefixedId('msg');
    const row: MessageRow = {
      id,
      source: message.source,
      route: message.route,
      connection_id: message.connectionId,
      recipient: message.recipient,
      body: message.body,
      body_redacted: message.bodyRedacted,
      sender: message.sender,
      status: message.route === 'outbox' ? 'queued' : 'processing',
      attempts: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_until: null,
      expires_at: message.expiresAt,
      provider: null,
      provider_message_id: null,
      last_error: null,
      idempotency_key: message.idempotencyKey ?? id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('messages').values(row).execute();
    return row;
  }

  async findByIdempotencyKey(key: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** Marks messages whose time is up; a code's message never outlives the code. */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    const result = await this.db
      .updateTable('messages')
      .set((eb) => ({
        status: 'expired',
        body: eb.ref('body_redacted'),
        lease_owner: null,
        lease_until: null,
        updated_at: now,
      }))
      .where('expires_at', '<=', now)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'queued'),
          eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Takes up to `limit` due messages for `owner` until the lease runs out. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<MessageRow[]> {
    const now = this.clock.now();
    const due = this.db
      .selectFrom('messages')
      .select('id')
      .where('route', '=', 'outbox')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .limit(limit);
    return this.db
      .updateTable('messages')
      .set({ status: 'processing', lease_owner: owner, lease_until: now + leaseMs, updated_at: now })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /**
   * Records one delivery attempt and moves the message on. Only the lease holder may, so a
   * worker whose lease ran out cannot overwrite the result of the one that took over.
   */
  async recordAttempt(
    message: MessageRow,
    owner: string | null,
    provider: string,
    result: SendResult,
    startedAt: number,
    next: { status: MessageStatus; nextAttemptAt?: number },
  ): Promise<boolean> {
    const now = this.clock.now();
    const attempt = message.attempts + 1;
    const final = FINAL.includes(next.status);
    return this.db.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('messages')
        .set((eb) => ({
          status: next.status,
          attempts: attempt,
          next_attempt_at: next.nextAttemptAt ?? now,
          lease_owner: null,
          lease_until: null,
          provider,
          provider_message_id: result.outcome === 'accepted' ? result.providerMessageId : null,
          last_error: result.outcome === 'accepted' ? null : result.detail.slice(0, 500),
          body: final ? eb.ref('body_redacted') : eb.ref('body'),
          updated_at: now,
        }))
        .where('id', '=', message.id);
      if (owner !== null) update = update.where('lease_owner', '=', owner);
      const updated = await update.executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('message_attempts')
        .values({
          id: prefixedId('att'),
          message_id: message.id,
          attempt,
          provider,
          outcome: result.outcome,
          status_code: result.statusCode ?? null,
          detail: result.outcome === 'accepted' ? null : result.detail.slice(0, 500),
          started_at: startedAt,
          finished_at: now,
        })
        .execute();
      return true;
    });
  }

  async get(id: string): Promise<{ message: MessageRow; attempts: AttemptRow[] } | undefined> {
    const message = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!message) return undefined;
    const attempts = await this.db
      .selectFrom('message_attempts')
      .selectAll()
      .where('message_id', '=', id)
      .orderBy('attempt')
      .execute();
    return { message, attempts };
  }

  async list(filter: { status?: MessageStatus; recipient?: string }, offset: number, limit: number) {
    let query = this.db.selectFrom('messages');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.recipient) query = query.where('recipient', '=', filter.recipient);
    const messages = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
    const count = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const ids = messages.map((m) => m.id);
    const attempts = ids.length
      ? await this.db
          .selectFrom('message_attempts')
          .selectAll()
          .where('message_id', 'in', ids)
          .orderBy('attempt')
          .execute()
      : [];
    return { messages, attempts, total: Number(count.n) };
  }
}
