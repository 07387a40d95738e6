import { sql } from 'kysely';
import { atomically } from './atomic.js';
import type { Db, Dialect } from './database.js';
import { pageOf } from './paging.js';
import { changed, prepared } from './prepared.js';
import type { MessageAttemptsTable, MessageStatus, MessagesTable } from './tables.js';

export type MessageRow = MessagesTable;
export type AttemptRow = MessageAttemptsTable;

/** What changes on a message when an attempt is recorded. */
export interface MessageUpdate {
  status: MessageStatus;
  nextAttemptAt: number;
  routeStep: number;
  stepFailures: number;
  provider: string;
  providerMessageId: string | null;
  lastError: string | null;
  /** Final messages keep only their masked text. */
  final: boolean;
}

/** The outbox's rows: messages to deliver and every attempt made. */
export class MessageStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async insert(row: MessageRow): Promise<void> {
    await insertMessage(this.db, row);
  }

  async findByIdempotencyKey(key: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** Marks queued (or abandoned) messages whose time is up as expired; returns how many. */
  async expireDue(now: number): Promise<number> {
    return changed(await expireDue(this.db, now));
  }

  /**
   * Leases up to `limit` queued, due messages to `owner`, oldest first. Of two workers that pick
   * the same row only one gets it; PostgreSQL also skips rows another worker is claiming right now
   * instead of waiting for them.
   */
  async claim(owner: string, limit: number, leaseUntil: number, now: number): Promise<MessageRow[]> {
    if (limit < 1) return [];
    return (await claimUpTo(this.dialect, limit)(this.db, owner, leaseUntil, now)).rows;
  }

  /** Returns to the queue the messages whose lease ran out before their worker finished; returns how many. */
  async reclaimLapsed(now: number): Promise<number> {
    return changed(await reclaimLapsed(this.db, now));
  }

  /** Returns to the queue every message leased to a worker other than `owner`, lapsed or not. */
  async reclaimOthers(owner: string, now: number): Promise<number> {
    return changed(await reclaimOthers(this.db, owner, now));
  }

  /**
   * Records an attempt and moves the message on, in one transaction. With an `owner`, only the
   * lease holder may: a worker whose lease ran out cannot overwrite the one that took over.
   */
  async recordAttempt(
    message: Pick<MessageRow, 'id'>,
    owner: string | null,
    attempt: AttemptRow,
    update: MessageUpdate,
  ): Promise<boolean> {
    const values: AttemptValues = {
      attempts: attempt.attempt,
      next_attempt_at: update.nextAttemptAt,
      route_step: update.routeStep,
      step_failures: update.stepFailures,
      lease_owner: null,
      lease_until: null,
      provider: update.provider,
      provider_message_id: update.providerMessageId,
      last_error: update.lastError,
      updated_at: attempt.finished_at,
    };
    const moveOn = AFTER_ATTEMPT[`${update.final ? 'final' : 'open'}/${owner === null ? 'any' : 'leased'}`];
    return atomically(this.db, async (trx) => {
      if (changed(await moveOn(trx, message.id, owner, update.status, values)) !== 1) return false;
      await insertAttempt(trx, attempt);
      return true;
    });
  }

  /**
   * Moves the end of `owner`'s lease on a message it still holds to `leaseUntil`; false when it no
   * longer holds it (the lease ran out and the message went back to the queue or to another worker).
   */
  async renewLease(id: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Returns a leased message to the queue, due at `at`, without counting an attempt. */
  async release(id: string, owner: string, at: number, now: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ status: 'queued', lease_owner: null, lease_until: null, next_attempt_at: at, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Applies a delivery receipt to the message whose attempt `provider` accepted as
   * `providerMessageId`, when its status is one of `from`. Idempotent: a resent receipt finds the
   * message already moved and changes nothing.
   */
  async applyReceipt(
    provider: string,
    providerMessageId: string,
    from: MessageStatus[],
    change: { status: MessageStatus; detail: string | null; at: number; now: number },
  ): Promise<'applied' | 'unchanged' | 'unknown'> {
    const attempt = await this.db
      .selectFrom('message_attempts')
      .select('message_id')
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .orderBy('finished_at', 'desc')
      .executeTakeFirst();
    if (!attempt) return 'unknown';
    const updated = await this.db
      .updateTable('messages')
      .set({
        status: change.status,
        receipt_detail: change.detail,
        receipt_at: change.at,
        updated_at: change.now,
      })
      .where('id', '=', attempt.message_id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? 'applied' : 'unchanged';
  }

  async get(id: string): Promise<{ message: MessageRow; attempts: AttemptRow[] } | undefined> {
    const message = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!message) return undefined;
    return { message, attempts: await this.attemptsOf([id]) };
  }

  async list(filter: { status?: MessageStatus; recipient?: string }, offset: number, limit: number) {
    let query = this.db.selectFrom('messages');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.recipient) query = query.where('recipient', '=', filter.recipient);
    const { rows, total } = await pageOf(
      query,
      (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
      offset,
      limit,
    );
    return { messages: rows, attempts: await this.attemptsOf(rows.map((m) => m.id)), total };
  }

  /** Messages changed at or after `since` (oldest change first), with their attempts: the live log's poll. */
  async changedSince(
    since: number,
    filter: { status?: MessageStatus; recipient?: string },
    limit: number,
  ): Promise<{ messages: MessageRow[]; attempts: AttemptRow[] }> {
    let query = this.db.selectFrom('messages').selectAll().where('updated_at', '>=', since);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.recipient) query = query.where('recipient', '=', filter.recipient);
    const messages = await query.orderBy('updated_at').orderBy('id').limit(limit).execute();
    return { messages, attempts: await this.attemptsOf(messages.map((m) => m.id)) };
  }

  private async attemptsOf(ids: string[]): Promise<AttemptRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('message_attempts')
      .selectAll()
      .where('message_id', 'in', ids)
      .orderBy('attempt')
      .execute();
  }
}

// The outbox's statements, run for every message: built once (see prepared).
const insertMessage = prepared((db: Db, row: MessageRow) => db.insertInto('messages').values(row));
const insertAttempt = prepared((db: Db, row: AttemptRow) => db.insertInto('message_attempts').values(row));

const expireDue = prepared((db: Db, now: number) =>
  db
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
    ),
);

/**
 * Leases up to `limit` due messages to `owner`: the queued ones whose time has come, oldest first,
 * read in order from the `messages_due` index, so a claim costs the same with any backlog.
 * Messages whose lease lapsed (their worker died) come back through `reclaimLapsed`.
 *
 * PostgreSQL: the UPDATE repeats the "due" condition, so of two workers that picked the same row
 * only one gets it, and rows another worker is claiming are skipped. The candidates are picked
 * once (a materialized CTE): as a plain `IN (subquery)`, PostgreSQL may run a `LIMIT ... FOR UPDATE
 * SKIP LOCKED` subquery more than once and claim past the limit.
 * SQLite: an UPDATE holds the write lock from its first read, so nothing can change between the
 * pick and the update; repeating the condition there would make SQLite walk the whole queue.
 */
function claimStatement(dialect: Dialect, limit: number) {
  return prepared((db: Db, owner: string, leaseUntil: number, now: number) => {
    const query = db
      .with(
        (cte) => cte('candidates').materialized(),
        (db) => {
          const candidates = db
            .selectFrom('messages')
            .select('id')
            .where('status', '=', 'queued')
            .where('next_attempt_at', '<=', now)
            .where('dispatch', '=', 'outbox')
            .orderBy('next_attempt_at')
            .limit(sql.lit(limit));
          return dialect === 'postgres' ? candidates.forUpdate().skipLocked() : candidates;
        },
      )
      .updateTable('messages')
      .set({ status: 'processing', lease_owner: owner, lease_until: leaseUntil, updated_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('candidates').select('id'))
      .returningAll();
    return dialect === 'postgres'
      ? query.where('status', '=', 'queued').where('next_attempt_at', '<=', now)
      : query;
  });
}

/**
 * The claim for each limit (1 to the worker's batch size), its limit written into the SQL: SQLite
 * reads a bound LIMIT's value while planning, so a bound one made it plan the claim again at every
 * run (about a fifth of its time).
 */
const claims = new Map<string, ReturnType<typeof claimStatement>>();
function claimUpTo(dialect: Dialect, limit: number) {
  if (!Number.isSafeInteger(limit)) throw new Error(`a claim takes a whole number of messages, not ${limit}`);
  const key = `${dialect}:${limit}`;
  let statement = claims.get(key);
  if (!statement) {
    statement = claimStatement(dialect, limit);
    claims.set(key, statement);
  }
  return statement;
}

/** Puts leased outbox messages back in the queue; the caller says which leases. */
const backToQueue = (db: Db, now: number) =>
  db
    .updateTable('messages')
    .set({ status: 'queued', lease_owner: null, lease_until: null, updated_at: now })
    .where('status', '=', 'processing')
    .where('dispatch', '=', 'outbox');
/** The leases that ran out (their worker died, or hung). */
const reclaimLapsed = prepared((db: Db, now: number) => backToQueue(db, now).where('lease_until', '<', now));
/** Every lease but `owner`'s. */
const reclaimOthers = prepared((db: Db, owner: string, now: number) =>
  backToQueue(db, now).where('lease_owner', '<>', owner),
);

type AttemptValues = Pick<
  MessageRow,
  | 'attempts'
  | 'next_attempt_at'
  | 'route_step'
  | 'step_failures'
  | 'lease_owner'
  | 'lease_until'
  | 'provider'
  | 'provider_message_id'
  | 'last_error'
  | 'updated_at'
>;

/**
 * Moves a message on after an attempt. A delivery receipt can overtake the attempt's own record:
 * it is not undone. Final messages keep only their masked text; a worker must still hold the lease.
 */
function afterAttempt(final: boolean, leased: boolean) {
  return prepared(
    (db: Db, id: string, owner: string | null, status: MessageStatus, values: AttemptValues) => {
      const query = db
        .updateTable('messages')
        .set((eb) => ({
          ...values,
          status: sql<MessageStatus>`case when status in ('delivered', 'undelivered') then status else ${status} end`,
          body: final ? eb.ref('body_redacted') : eb.ref('body'),
        }))
        .where('id', '=', id);
      return leased ? query.where('lease_owner', '=', owner) : query;
    },
  );
}
const AFTER_ATTEMPT = {
  'open/any': afterAttempt(false, false),
  'open/leased': afterAttempt(false, true),
  'final/any': afterAttempt(true, false),
  'final/leased': afterAttempt(true, true),
};
