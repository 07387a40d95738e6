import type { Db } from './database.js';
import { pageOf } from './paging.js';
import { prepared } from './prepared.js';
import type { UsersTable } from './tables.js';

export interface User {
  id: string;
  connection_id: string;
  phone_number: string;
  phone_verified: boolean;
  created_at: number;
  updated_at: number;
  last_login: number | null;
  logins_count: number;
}

function fromRow(row: UsersTable): User {
  return { ...row, phone_verified: row.phone_verified === 1 };
}

export class UserStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async findByPhone(connectionId: string, phone: string): Promise<User | undefined> {
    const row = (await findByPhone(this.db, connectionId, phone)).rows[0];
    return row ? fromRow(row) : undefined;
  }

  async list(filter: { phone_number?: string; connection_id?: string }, offset: number, limit: number) {
    let query = this.db.selectFrom('users');
    if (filter.phone_number) query = query.where('phone_number', '=', filter.phone_number);
    if (filter.connection_id) query = query.where('connection_id', '=', filter.connection_id);
    const { rows, total } = await pageOf(
      query,
      (q) => q.selectAll().orderBy('created_at').orderBy('id'),
      offset,
      limit,
    );
    return { users: rows.map(fromRow), total };
  }

  async insert(user: User): Promise<void> {
    await insertUser(this.db, { ...user, phone_verified: user.phone_verified ? 1 : 0 });
  }

  async recordLogin(id: string, now: number): Promise<void> {
    await recordLogin(this.db, id, now);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

// Run on every login: built once (see prepared).
const findByPhone = prepared((db: Db, connectionId: string, phone: string) =>
  db
    .selectFrom('users')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('phone_number', '=', phone),
);
const insertUser = prepared((db: Db, row: UsersTable) => db.insertInto('users').values(row));
const recordLogin = prepared((db: Db, id: string, now: number) =>
  db
    .updateTable('users')
    .set((eb) => ({
      last_login: now,
      updated_at: now,
      phone_verified: 1,
      logins_count: eb('logins_count', '+', 1),
    }))
    .where('id', '=', id),
);
