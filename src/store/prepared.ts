import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from './database.js';

/**
 * Where a value goes while a statement is built once: an argument, or one field of an argument
 * that is a plain object (a row to insert). Any attempt to read it as text or a number fails, so a
 * builder that computes with a value instead of placing it is caught the first time it runs.
 */
class Slot {
  constructor(
    readonly argument: number,
    readonly field?: string,
  ) {}
  [Symbol.toPrimitive](): never {
    throw new Error('a prepared statement may place its values, not compute with them');
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Which keys each plain-object argument has: a row with other columns is another statement. */
const shapeOf = (args: readonly unknown[]): string =>
  args.map((arg) => (isRecord(arg) ? Object.keys(arg).join(',') : '')).join('|');

/**
 * A statement built and compiled by Kysely once per dialect and argument shape, then run again
 * with new values. Building and compiling a query took about a fifth of otpline's main thread under
 * load (docs/performance.md); the hottest statements now skip both and keep Kysely's typing,
 * its SQL for each dialect and its execution (transactions, the group commit).
 *
 * `build` must only *place* its arguments in the query (as values, or a row's fields as the values
 * of an insert or an update), never branch on them: it runs with stand-ins once, and the SQL it
 * makes is used for every later call. Values that are `undefined` are bound as NULL.
 */
export function prepared<A extends unknown[], R>(
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<QueryResult<R>> {
  // Per dialect (its adapter is shared by a database and its transactions), then per shape.
  const templates = new WeakMap<object, Map<string, CompiledQuery>>();
  return (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let byShape = templates.get(adapter);
    if (!byShape) {
      byShape = new Map();
      templates.set(adapter, byShape);
    }
    const shape = shapeOf(args);
    let template = byShape.get(shape);
    if (!template) {
      template = compile(db, build, args);
      byShape.set(shape, template);
    }
    const parameters = template.parameters.map((p) => {
      if (!(p instanceof Slot)) return p;
      const arg = args[p.argument];
      const value = p.field === undefined ? arg : (arg as Record<string, unknown>)[p.field];
      return value === undefined ? null : value;
    });
    return db.executeQuery<R>({ ...template, parameters });
  };
}

function compile<A extends unknown[], R>(
  db: Db,
  build: (db: Db, ...args: A) => Compilable<R>,
  args: A,
): CompiledQuery {
  const stand = args.map((arg, i) =>
    isRecord(arg) ? Object.fromEntries(Object.keys(arg).map((key) => [key, new Slot(i, key)])) : new Slot(i),
  ) as A;
  return build(db, ...stand).compile();
}

/** How many rows an UPDATE or DELETE run through `prepared` changed. */
export const changed = (result: QueryResult<unknown>): number => Number(result.numAffectedRows ?? 0);
