import { sql } from 'kysely';
import type { Db } from './database.js';

export interface Range {
  from: number;
  to: number;
}

/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything slower. */
export const LATENCY_BOUNDS_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000] as const;

const n = (value: unknown) => Number(value ?? 0);

/** `case when x < b0 then 0 when x < b1 then 1 ... else k end`: the histogram bucket of an expression. */
function bucketOf(expression: ReturnType<typeof sql>) {
  const whens = LATENCY_BOUNDS_MS.map(
    (bound, i) => sql`when ${expression} < ${sql.lit(bound)} then ${sql.lit(i)}`,
  );
  return sql<number>`case ${sql.join(whens, sql` `)} else ${sql.lit(LATENCY_BOUNDS_MS.length)} end`;
}

/**
 * The aggregates behind `GET /api/v2/stats/sms`: plain GROUP BY queries over the messages, their
 * attempts and the security log, the same SQL on SQLite and PostgreSQL (integer division of
 * millisecond times makes the buckets).
 */
export class StatsStore {
  constructor(private readonly db: Db) {}

  /** Login codes sent (messages of /passwordless/start and the hosted login) per time bucket. */
  async codesSent(range: Range, bucketMs: number): Promise<Map<number, number>> {
    const bucket = sql<number>`(created_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
    const rows = await this.db
      .selectFrom('messages')
      .select([bucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('source', '=', 'passwordless')
      .where('created_at', '>=', range.from)
      .where('created_at', '<', range.to)
      .groupBy(bucket)
      .execute();
    return new Map(rows.map((r) => [n(r.bucket), n(r.count)]));
  }

  /** Successful logins (security log `s`) per time bucket. */
  async logins(range: Range, bucketMs: number): Promise<Map<number, number>> {
    const bucket = sql<number>`(date / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
    const rows = await this.db
      .selectFrom('security_events')
      .select([bucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('type', '=', 's')
      .where('date', '>=', range.from)
      .where('date', '<', range.to)
      .groupBy(bucket)
      .execute();
    return new Map(rows.map((r) => [n(r.bucket), n(r.count)]));
  }

  /** Logins by the first digits of the phone (enough to tell its country), for the per-country view. */
  async loginsByPrefix(range: Range): Promise<Array<{ prefix: string; count: number }>> {
    const prefix = sql<string>`substr(phone_number, 1, 8)`;
    const rows = await this.db
      .selectFrom('security_events')
      .select([prefix.as('prefix'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('type', '=', 's')
      .where('phone_number', 'is not', null)
      .where('date', '>=', range.from)
      .where('date', '<', range.to)
      .groupBy(prefix)
      .orderBy(sql`count(*)`, 'desc')
      .limit(5000)
      .execute();
    return rows.map((r) => ({ prefix: String(r.prefix), count: n(r.count) }));
  }

  /** Codes sent and their outcome, grouped by the recipient's country or by the provider. */
  async outcomes(range: Range, by: 'country' | 'provider') {
    const delivered = sql<number>`sum(case when status = 'delivered' then 1 else 0 end)`;
    const failed = sql<number>`sum(case when status in ('failed', 'expired', 'undelivered') then 1 else 0 end)`;
    const rows = await this.db
      .selectFrom('messages')
      .select([
        sql<string | null>`${sql.ref(by)}`.as('key'),
        (eb) => eb.fn.countAll<number>().as('count'),
        delivered.as('delivered'),
        failed.as('failed'),
      ])
      .where('source', '=', 'passwordless')
      .where('created_at', '>=', range.from)
      .where('created_at', '<', range.to)
      .groupBy(sql.ref(by))
      .orderBy(sql`count(*)`, 'desc')
      .limit(300)
      .execute();
    return rows.map((r) => ({
      key: r.key === null ? null : String(r.key),
      sent: n(r.count),
      delivered: n(r.delivered),
      failed: n(r.failed),
    }));
  }

  /**
   * Latency histograms of the messages created in the range: until a provider accepted the message
   * (its accepted attempt ended), and until the provider's receipt said delivered.
   */
  async latency(range: Range): Promise<{ accepted: number[]; delivered: number[] }> {
    const size = LATENCY_BOUNDS_MS.length + 1;
    const accepted = new Array<number>(size).fill(0);
    const delivered = new Array<number>(size).fill(0);
    const acceptedBucket = bucketOf(sql`a.finished_at - m.created_at`);
    const acceptedRows = await this.db
      .selectFrom('message_attempts as a')
      .innerJoin('messages as m', 'm.id', 'a.message_id')
      .select([acceptedBucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('a.outcome', '=', 'accepted')
      .where('m.created_at', '>=', range.from)
      .where('m.created_at', '<', range.to)
      .groupBy(acceptedBucket)
      .execute();
    for (const r of acceptedRows) accepted[n(r.bucket)] = n(r.count);
    const deliveredBucket = bucketOf(sql`receipt_at - created_at`);
    const deliveredRows = await this.db
      .selectFrom('messages')
      .select([deliveredBucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'delivered')
      .where('receipt_at', 'is not', null)
      .where('created_at', '>=', range.from)
      .where('created_at', '<', range.to)
      .groupBy(deliveredBucket)
      .execute();
    for (const r of deliveredRows) delivered[n(r.bucket)] = n(r.count);
    return { accepted, delivered };
  }
}
