import type { Db } from '../../src/store/database.js';

/** A migration no otpline knows: what a newer otpline leaves in the ledger after migrating. */
export const FUTURE_MIGRATION = '9999_from_the_future';

/** Records FUTURE_MIGRATION in Kysely's ledger table, as if a newer otpline had run it. */
export async function recordFutureMigration(db: Db): Promise<void> {
  await db
    .withTables<{ kysely_migration: { name: string; timestamp: string } }>()
    .insertInto('kysely_migration')
    .values({ name: FUTURE_MIGRATION, timestamp: new Date().toISOString() })
    .execute();
}

/** The migrations recorded in the ledger, with how many times each was. */
export async function recordedMigrations(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .withTables<{ kysely_migration: { name: string; timestamp: string } }>()
    .selectFrom('kysely_migration')
    .select('name')
    .execute();
  const counts = new Map<string, number>();
  for (const { name } of rows) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
