import { type SelectQueryBuilder, sql } from 'kysely';

/** One page of a filtered list and the size of the whole list: Auth0's paging, written once. */
export async function pageOf<DB, TB extends keyof DB, Row>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  rows: (query: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, Row>,
  offset: number,
  limit: number,
): Promise<{ rows: Row[]; total: number }> {
  const page = await rows(filtered).offset(offset).limit(limit).execute();
  const count = await filtered.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return { rows: page as Row[], total: (count as { n: number }).n };
}
