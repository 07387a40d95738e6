import type { Db } from './database.js';
import { pageOf } from './paging.js';
import { prepared } from './prepared.js';
import type { SecurityEventsTable } from './tables.js';

export type SecurityEventRow = SecurityEventsTable;

export interface EventFilter {
  type?: string[];
  phone_number?: string;
  ip?: string;
  client_id?: string;
  connection?: string;
  user_id?: string;
  /** Milliseconds since the epoch, inclusive. */
  from?: number;
  to?: number;
}

/** The security log: appended to as things happen, read newest first, pruned after its retention. */
export class EventStore {
  constructor(private readonly db: Db) {}

  async insert(row: SecurityEventRow): Promise<void> {
    await insertEvent(this.db, row);
  }

  async get(id: string): Promise<SecurityEventRow | undefined> {
    return this.db.selectFrom('security_events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A page of events matching `filter`, newest first unless `oldestFirst`. */
  async list(filter: EventFilter, offset: number, limit: number, oldestFirst = false) {
    const query = this.filtered(filter);
    const order = oldestFirst ? 'asc' : 'desc';
    const { rows, total } = await pageOf(
      query,
      (q) => q.selectAll().orderBy('date', order).orderBy('id', order),
      offset,
      limit,
    );
    return { events: rows, total };
  }

  /** Auth0's checkpoint paging: up to `take` events after the event `afterId`, oldest first. */
  async after(afterId: string, filter: EventFilter, take: number): Promise<SecurityEventRow[]> {
    return this.filtered(filter)
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(take)
      .execute();
  }

  private filtered(filter: EventFilter) {
    let query = this.db.selectFrom('security_events');
    if (filter.type?.length) query = query.where('type', 'in', filter.type);
    if (filter.phone_number) query = query.where('phone_number', '=', filter.phone_number);
    if (filter.ip) query = query.where('ip', '=', filter.ip);
    if (filter.client_id) query = query.where('client_id', '=', filter.client_id);
    if (filter.connection) query = query.where('connection', '=', filter.connection);
    if (filter.user_id) query = query.where('user_id', '=', filter.user_id);
    if (filter.from !== undefined) query = query.where('date', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('date', '<=', filter.to);
    return query;
  }

  /** Deletes events older than `before`; returns how many. */
  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('security_events').where('date', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** A few on every login: built once (see prepared). */
const insertEvent = prepared((db: Db, row: SecurityEventRow) => db.insertInto('security_events').values(row));
