import type { Db } from './database.js';

/** Server-wide values made once and shared by every node (generated secrets). */
export class SettingStore {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** Returns the stored value, or stores and returns `make()` on first use (the first node to store it wins). */
  async getOrCreate(key: string, make: () => string): Promise<{ value: string; created: boolean }> {
    const existing = await this.get(key);
    if (existing !== undefined) return { value: existing, created: false };
    const value = make();
    const inserted = await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { value, created: true };
    return { value: (await this.get(key)) ?? value, created: false };
  }
}
