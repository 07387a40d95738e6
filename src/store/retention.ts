import { type Expression, type SqlBool, sql } from 'kysely';
import { atomically } from './atomic.js';
import type { Db, Dialect } from './database.js';

/** Rows deleted per statement: a short write, then the event loop (and other requests) goes on. */
const BATCH = 500;

const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Forgets rows nothing reads any more: expired codes, finished messages past their retention (and
 * their attempts), ended rate-limit windows and failure counts. Deleted a batch at a time, each batch
 * its own short statement found through an index, so pruning a million rows never stalls requests.
 */
export class RetentionStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  /** Codes that expired before `before` (used, superseded or never used: none can log in). */
  pruneCodes(before: number): Promise<number> {
    return this.inBatches('otp_codes', sql<SqlBool>`expires_at < ${before}`);
  }

  /** Rate-limit windows that started before `before`; a hit on one starts a new window anyway. */
  pruneRateCounters(before: number): Promise<number> {
    return this.inBatches('rate_counters', sql<SqlBool>`window_start < ${before}`);
  }

  /** Failure counts whose window started before `before` and whose block, if any, has ended. */
  prunePhoneFailures(before: number, now: number): Promise<number> {
    return this.inBatches(
      'phone_failures',
      sql<SqlBool>`window_start < ${before} and (blocked_until is null or blocked_until < ${now})`,
    );
  }

  /**
   * The hosted login's authorization codes, browser sessions, refresh tokens and login tickets that
   * expired before `before`, and sessions ended by a logout. A rotated refresh token is kept until its own expiry:
   * presented again before then, it revokes its family.
   */
  async pruneWebLogins(before: number): Promise<number> {
    return (
      (await this.inBatches('authorization_codes', sql<SqlBool>`expires_at < ${before}`)) +
      (await this.inBatches('login_sessions', sql<SqlBool>`expires_at < ${before}`)) +
      (await this.inBatches('refresh_tokens', sql<SqlBool>`expires_at < ${before}`)) +
      (await this.inBatches('login_tickets', sql<SqlBool>`expires_at < ${before}`))
    );
  }

  /** Finished messages last changed before `before`, with their attempts. Queued ones are kept. */
  async pruneMessages(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = (
        await this.db
          .selectFrom('messages')
          .select('id')
          .where('updated_at', '<', before)
          .where('status', 'not in', ['queued', 'processing'])
          .limit(BATCH)
          .execute()
      ).map((row) => row.id);
      if (ids.length === 0) return total;
      await atomically(this.db, async (trx) => {
        await trx.deleteFrom('message_attempts').where('message_id', 'in', ids).execute();
        await trx.deleteFrom('messages').where('id', 'in', ids).execute();
      });
      total += ids.length;
      if (ids.length < BATCH) return total;
      await yieldToRequests();
    }
  }

  private async inBatches(table: string, where: Expression<SqlBool>): Promise<number> {
    // SQLite's rowid and PostgreSQL's ctid name a row in any table, whatever its key.
    const statement =
      this.dialect === 'sqlite'
        ? sql`delete from ${sql.table(table)} where rowid in (select rowid from ${sql.table(table)} where ${where} limit ${BATCH})`
        : sql`delete from ${sql.table(table)} where ctid = any(array(select ctid from ${sql.table(table)} where ${where} limit ${BATCH}))`;
    let total = 0;
    for (;;) {
      const result = await statement.execute(this.db);
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      if (deleted < BATCH) return total;
      await yieldToRequests();
    }
  }
}
