// The same sequence of servers measured several times (--runs N): how a figure spreads over the runs.

/** A figure over the runs that have it: its median (of an even count, the mean of the middle two), min and max. */
export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  /** How many runs had the figure (a null or NaN, e.g. a ratio to a server with no login, is left out). */
  runs: number;
}

export function spread(values: readonly (number | null | undefined)[], digits = 2): Spread {
  const sorted = values
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  const at = (i: number) => sorted[i] ?? Number.NaN;
  const half = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? at(half) : (at(half - 1) + at(half)) / 2;
  const round = (n: number) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);
  return { median: round(median), min: round(at(0)), max: round(at(sorted.length - 1)), runs: sorted.length };
}

/** Each ratio's spread over the runs, in the order the ratios first appear. */
export function ratioSpreads(runs: readonly Record<string, number | null>[]): Record<string, Spread> {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((key) => [key, spread(runs.map((r) => r[key]))]));
}

/** `median 4.1x (3.2x–4.8x over 5 runs)` */
export function describe(s: Spread): string {
  if (s.median === null) return 'no value in any run';
  return `median ${s.median}x (${s.min}x–${s.max}x over ${s.runs} run${s.runs === 1 ? '' : 's'})`;
}

/** `325 (300–350)`: a table cell. */
export const cell = (s: Spread) => (s.median === null ? 'n/a' : `${s.median} (${s.min}–${s.max})`);

/** `items` grouped by `key`, groups and items in the order first seen. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * One figure per key (a server, or a gateway at a sender count), in the order first seen: its figures from
 * the run where its `value` is the median (of an even count of runs, the lower middle). With one
 * run, that run's figures as they are.
 */
export function medianRuns<T>(runs: readonly T[][], key: (f: T) => string, value: (f: T) => number): T[] {
  return [...groupBy(runs.flat(), key).values()].flatMap((group) => {
    const middle = [...group].sort((a, b) => value(a) - value(b))[Math.floor((group.length - 1) / 2)];
    return middle ? [middle] : [];
  });
}
