import type { Db } from './database.js';

/** A phone blocked on a connection by brute-force protection, until `blocked_until`. */
export interface PhoneBlock {
  connection_id: string;
  /** The connection's name; null once the connection is deleted. */
  connection: string | null;
  phone_number: string;
  /** The IP (or IPv6 /64) the block holds for, in brute-force mode `count_per_identifier_and_ip`. */
  ip: string | null;
  blocked_until: number;
}

export interface BlockScope {
  phone: string;
  now: number;
  /** Only this connection's block (a user's blocks); every connection's when absent. */
  connectionId?: string;
}

/** A `phone_failures` identifier: the phone, or `phone|ip` when failures count per IP. */
function split(identifier: string): { phone_number: string; ip: string | null } {
  const bar = identifier.indexOf('|');
  return bar < 0
    ? { phone_number: identifier, ip: null }
    : { phone_number: identifier.slice(0, bar), ip: identifier.slice(bar + 1) };
}

/**
 * The blocks behind Auth0's `/api/v2/user-blocks`: the `phone_failures` rows whose block has not
 * yet ended. Lifting deletes the row, failure count included, so the next miss does not block again.
 */
export class UserBlockStore {
  constructor(private readonly db: Db) {}

  async list({ phone, now, connectionId }: BlockScope): Promise<PhoneBlock[]> {
    let query = this.db
      .selectFrom('phone_failures as f')
      .innerJoin('connections as c', 'c.id', 'f.connection_id')
      .select(['f.connection_id', 'c.name as connection', 'f.phone_number', 'f.blocked_until'])
      .where((eb) => eb.or([eb('f.phone_number', '=', phone), eb('f.phone_number', 'like', `${phone}|%`)]))
      .where('f.blocked_until', '>', now);
    if (connectionId) query = query.where('f.connection_id', '=', connectionId);
    const rows = await query.orderBy('c.name').execute();
    return rows.map((row) => ({
      ...row,
      ...split(row.phone_number),
      blocked_until: row.blocked_until as number,
    }));
  }

  /** Deletes the current blocks of a phone in one statement; returns what was lifted. */
  async lift({ phone, now, connectionId }: BlockScope): Promise<PhoneBlock[]> {
    let query = this.db
      .deleteFrom('phone_failures')
      .where((eb) => eb.or([eb('phone_number', '=', phone), eb('phone_number', 'like', `${phone}|%`)]))
      .where('blocked_until', '>', now);
    if (connectionId) query = query.where('connection_id', '=', connectionId);
    const lifted = await query.returning(['connection_id', 'phone_number', 'blocked_until']).execute();
    if (lifted.length === 0) return [];
    const names = await this.db
      .selectFrom('connections')
      .select(['id', 'name'])
      .where(
        'id',
        'in',
        lifted.map((row) => row.connection_id),
      )
      .execute();
    const nameOf = new Map(names.map((row) => [row.id, row.name]));
    return lifted.map((row) => ({
      ...row,
      ...split(row.phone_number),
      connection: nameOf.get(row.connection_id) ?? null,
      blocked_until: row.blocked_until as number,
    }));
  }
}
