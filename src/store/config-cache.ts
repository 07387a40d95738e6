import type { Db } from './database.js';

/** How long a node may answer with a client or connection as it was: changes elsewhere show within it. */
export const CONFIG_CACHE_MS = 1000;
const MAX_ENTRIES = 10_000;

/**
 * Clients and connections are read on every login and rarely change: each is kept for a second,
 * which took six of a login's statements away. A change made on this node clears everything at
 * once; one made on another node shows here within CONFIG_CACHE_MS. Callers get their own copy.
 */
export class ConfigCache {
  /** Each value as JSON: parsing a copy costs half what structuredClone did (rows are plain JSON data). */
  private readonly entries = new Map<string, { json: string; until: number }>();
  /** Bumped by every change: a read that started before one does not keep its (maybe old) row. */
  private generation = 0;

  async read<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return JSON.parse(hit.json) as T;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { json: JSON.stringify(value), until: now + CONFIG_CACHE_MS });
    }
    return value;
  }

  /** `read`, except inside a transaction, which sees its own view of the rows, not the cache's. */
  readIn<T>(db: Db, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    return db.isTransaction ? load() : this.read(key, load);
  }

  /**
   * Runs a write to clients or connections, clearing the cache before it (reads meanwhile are not
   * kept) and after it (nothing read before it is served again).
   */
  async change<T>(write: () => Promise<T>): Promise<T> {
    this.clear();
    try {
      return await write();
    } finally {
      this.clear();
    }
  }

  clear(): void {
    this.entries.clear();
    this.generation++;
  }
}
