import { atomically } from './atomic.js';
import type { Db } from './database.js';
import type { SigningKeysTable } from './tables.js';

/**
 * Token signing keys. A unique partial index keeps one `current` key: of two nodes that make one
 * at the same time, the database refuses the second (the caller then reloads the winner's).
 */
export class KeyStore {
  constructor(private readonly db: Db) {}

  async published(): Promise<SigningKeysTable[]> {
    return this.db.selectFrom('signing_keys').selectAll().where('status', '!=', 'revoked').execute();
  }

  /** Adds the first current key; throws a unique violation when another node made one first. */
  async addFirst(key: Omit<SigningKeysTable, 'status'>): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({ ...key, status: 'current' })
      .execute();
  }

  /** Makes `key` the current key; the one before stays published as `previous`. */
  async makeCurrent(key: Omit<SigningKeysTable, 'status'>): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx
        .updateTable('signing_keys')
        .set({ status: 'previous' })
        .where('status', '=', 'current')
        .execute();
      await trx
        .insertInto('signing_keys')
        .values({ ...key, status: 'current' })
        .execute();
    });
  }
}
