import { sql } from 'kysely';
import type { Db, Dialect } from './database.js';
import { changed, prepared } from './prepared.js';
import type { OtpCodesTable } from './tables.js';

export type NewCode = Omit<OtpCodesTable, 'status' | 'attempts'>;
export type ActiveCode = Pick<OtpCodesTable, 'id' | 'client_id' | 'code_hash'>;

/**
 * One-time codes, stored as hashes. Every state change is one conditional statement, so many
 * connections (and nodes) can try codes at once: a used code cannot come back, parallel wrong
 * guesses each count, and the database keeps at most one active code per connection and phone.
 */
export class CodeStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  /** Makes `code` the only active code for its phone (call inside a transaction). */
  async replaceActive(code: NewCode): Promise<void> {
    if (this.dialect === 'postgres') {
      // Two nodes issuing a code for one phone at once take turns, until commit: otherwise both
      // would find no active code and the second insert would break the one-active-code rule.
      // (SQLite runs one write transaction at a time anyway.)
      await sql`select pg_advisory_xact_lock(hashtextextended(${`otp:${code.connection_id}:${code.phone_number}`}, 0))`.execute(
        this.db,
      );
    }
    await supersede(this.db, code.connection_id, code.phone_number);
    await insertCode(this.db, code);
  }

  async findActive(connectionId: string, phone: string, now: number): Promise<ActiveCode | undefined> {
    return (await findActive(this.db, connectionId, phone, now)).rows[0];
  }

  /** Uses the code; false when another request used, voided or replaced it first. */
  async consume(id: string): Promise<boolean> {
    return changed(await consume(this.db, id)) === 1;
  }

  /** Counts a miss; the miss that reaches `limit` voids the code. Returns the code's status after it. */
  async countMiss(id: string, limit: number): Promise<'active' | 'voided' | undefined> {
    const row = (await countMiss(this.db, id, limit)).rows[0];
    return row?.status as 'active' | 'voided' | undefined;
  }

  async void(id: string): Promise<void> {
    await this.db.updateTable('otp_codes').set({ status: 'voided' }).where('id', '=', id).execute();
  }
}

// The statements of a login, built once (see prepared). `status = 'active'` is written into the
// SQL, not bound: SQLite checks a bound value against the partial index otp_codes_one_active
// (`where status = 'active'`) and so re-plans the statement at every execution, which made each
// of these three to six times slower than the rest (docs/performance.md).
const ACTIVE = sql.lit<OtpCodesTable['status']>('active');
const supersede = prepared((db: Db, connectionId: string, phone: string) =>
  db
    .updateTable('otp_codes')
    .set({ status: 'superseded' })
    .where('connection_id', '=', connectionId)
    .where('phone_number', '=', phone)
    .where('status', '=', ACTIVE),
);
const insertCode = prepared((db: Db, code: NewCode) =>
  db.insertInto('otp_codes').values({ ...code, status: 'active', attempts: 0 }),
);
const findActive = prepared((db: Db, connectionId: string, phone: string, now: number) =>
  db
    .selectFrom('otp_codes')
    .select(['id', 'client_id', 'code_hash'])
    .where('connection_id', '=', connectionId)
    .where('phone_number', '=', phone)
    .where('status', '=', ACTIVE)
    .where('expires_at', '>', now),
);
const consume = prepared((db: Db, id: string) =>
  db
    .updateTable('otp_codes')
    .set((eb) => ({ status: 'used', attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', ACTIVE),
);
const countMiss = prepared((db: Db, id: string, limit: number) =>
  db
    .updateTable('otp_codes')
    .set({
      attempts: sql<number>`attempts + 1`,
      status: sql<'active' | 'voided'>`case when attempts + 1 >= ${limit} then 'voided' else status end`,
    })
    .where('id', '=', id)
    .where('status', '=', ACTIVE)
    .returning('status'),
);
