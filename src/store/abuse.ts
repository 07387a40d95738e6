import { sql } from 'kysely';
import type { Db } from './database.js';
import { prepared } from './prepared.js';
import type { AbuseFlagsTable } from './tables.js';

export type Scope = 'country' | 'prefix';

/** Conversion counts, throttle flags and the phones each IP asked codes for: the abuse rules' state. */
export class AbuseStore {
  constructor(private readonly db: Db) {}

  /** Adds to the sent or verified count of each key's minute `bucket`, in one upsert. */
  async count(
    keys: Array<{ scope: Scope; key: string }>,
    bucket: number,
    what: 'sent' | 'verified',
  ): Promise<void> {
    if (keys.length === 0) return;
    // One statement for every key (the keys differ by scope, so no row is hit twice).
    await COUNT[what](this.db, bucket, ...keys);
  }

  /** Codes sent and verified for one key over the buckets `from` to `to` (inclusive). */
  async totals(
    scope: Scope,
    key: string,
    from: number,
    to: number,
  ): Promise<{ sent: number; verified: number }> {
    const row = await this.db
      .selectFrom('conversion_counts')
      .select([
        sql<number>`coalesce(sum(sent), 0)`.as('sent'),
        sql<number>`coalesce(sum(verified), 0)`.as('verified'),
      ])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('bucket', '>=', from)
      .where('bucket', '<=', to)
      .executeTakeFirstOrThrow();
    return { sent: Number(row.sent), verified: Number(row.verified) };
  }

  /**
   * Sets a flag unless one is already up, in one statement (two nodes cannot both raise it); true
   * when this call raised it.
   */
  async raiseFlag(flag: AbuseFlagsTable): Promise<boolean> {
    const result = await this.db
      .insertInto('abuse_flags')
      .values(flag)
      .onConflict((oc) =>
        oc
          .columns(['scope', 'key', 'rule'])
          .doUpdateSet({ until: flag.until, reason: flag.reason, created_at: flag.created_at })
          .where('abuse_flags.until', '<=', flag.created_at),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async activeFlag(
    scope: Scope,
    key: string,
    rule: string,
    now: number,
  ): Promise<AbuseFlagsTable | undefined> {
    return this.db
      .selectFrom('abuse_flags')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('rule', '=', rule)
      .where('until', '>', now)
      .executeTakeFirst();
  }

  /** The flag of a key and rule, active or ended (until it is pruned). */
  async flag(scope: Scope, key: string, rule: string): Promise<AbuseFlagsTable | undefined> {
    return this.db
      .selectFrom('abuse_flags')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('rule', '=', rule)
      .executeTakeFirst();
  }

  async activeFlags(now: number): Promise<AbuseFlagsTable[]> {
    return this.db
      .selectFrom('abuse_flags')
      .selectAll()
      .where('until', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /**
   * Lifts a throttle early, and forgets the counts that raised it: the rule judges the range or
   * country afresh from now on.
   */
  async clearFlag(scope: Scope, key: string, now: number): Promise<number> {
    await this.db.deleteFrom('conversion_counts').where('scope', '=', scope).where('key', '=', key).execute();
    const result = await this.db
      .deleteFrom('abuse_flags')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('until', '>', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Notes that `ip` asked a code for `phone` in the window starting at `windowStart`, and returns
   * how many different phones it asked for in that window (this one included), and whether
   * `phone` is new in it.
   */
  async notePhone(
    ip: string,
    windowStart: number,
    phone: string,
  ): Promise<{ phones: number; added: boolean }> {
    const inserted = await this.db
      .insertInto('ip_phones')
      .values({ ip, window_start: windowStart, phone_number: phone })
      .onConflict((oc) => oc.columns(['ip', 'window_start', 'phone_number']).doNothing())
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('ip_phones')
      .select(sql<number>`count(*)`.as('n'))
      .where('ip', '=', ip)
      .where('window_start', '=', windowStart)
      .executeTakeFirstOrThrow();
    return { phones: Number(row.n), added: Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 };
  }

  /** Takes back a phone noted by `notePhone` (one that was refused). */
  async forgetPhone(ip: string, windowStart: number, phone: string): Promise<void> {
    await this.db
      .deleteFrom('ip_phones')
      .where('ip', '=', ip)
      .where('window_start', '=', windowStart)
      .where('phone_number', '=', phone)
      .execute();
  }

  /** Forgets windows and counts older than `before` (they no longer decide anything). */
  async prune(before: number, beforeBucket: number): Promise<void> {
    await this.db.deleteFrom('ip_phones').where('window_start', '<', before).execute();
    await this.db.deleteFrom('conversion_counts').where('bucket', '<', beforeBucket).execute();
    await this.db.deleteFrom('abuse_flags').where('until', '<', before).execute();
  }
}

/** Adds one to `what` of every key's bucket; one statement per number of keys, built once (see prepared). */
function countStatement(what: 'sent' | 'verified') {
  return prepared((db: Db, bucket: number, ...keys: Array<{ scope: Scope; key: string }>) =>
    db
      .insertInto('conversion_counts')
      .values(
        keys.map(({ scope, key }) => ({
          scope,
          key,
          bucket,
          sent: what === 'sent' ? 1 : 0,
          verified: what === 'verified' ? 1 : 0,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['scope', 'key', 'bucket']).doUpdateSet({
          [what]: sql<number>`conversion_counts.${sql.ref(what)} + 1`,
        }),
      ),
  );
}
const COUNT = { sent: countStatement('sent'), verified: countStatement('verified') };
