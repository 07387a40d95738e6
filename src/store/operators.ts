import type { Db } from './database.js';

/** The setup link's token, by its SHA-256, in the settings table: one row, deleted when used. */
const SETUP_KEY = 'admin_setup_token';

export interface SetupToken {
  hash: string;
  expires_at: number;
}

/** Dashboard operators added at run time, and the one-time setup token that adds the first. */
export class OperatorStore {
  constructor(private readonly db: Db) {}

  async has(phone: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('operators')
      .select('phone_number')
      .where('phone_number', '=', phone)
      .executeTakeFirst();
    return row !== undefined;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('operators')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async add(phone: string, addedBy: string, now: number): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({ phone_number: phone, added_by: addedBy, created_at: now })
      .onConflict((oc) => oc.column('phone_number').doNothing())
      .execute();
  }

  async setupToken(): Promise<SetupToken | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', SETUP_KEY)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as SetupToken) : undefined;
  }

  /** Stores a new setup token, replacing an expired one; false when another (live) one exists. */
  async createSetupToken(token: SetupToken, now: number): Promise<boolean> {
    const current = await this.setupToken();
    if (current && current.expires_at > now) return false;
    if (current) await this.consumeSetupToken(current.hash);
    const inserted = await this.db
      .insertInto('settings')
      .values({ key: SETUP_KEY, value: JSON.stringify(token) })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Deletes the token with this hash; true for the one caller that did (single use, any node). */
  async consumeSetupToken(hash: string): Promise<boolean> {
    const current = await this.setupToken();
    if (!current || current.hash !== hash) return false;
    const deleted = await this.db
      .deleteFrom('settings')
      .where('key', '=', SETUP_KEY)
      .where('value', '=', JSON.stringify(current))
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1;
  }
}
