import { percentile } from './load.js';

/** How fast one operation ran, back to back, with `inFlight` of them at a time. */
export interface Rate {
  ops: number;
  seconds: number;
  perSecond: number;
  /** Each operation's duration, ms. */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The first error's message, when there was one. */
  error?: string;
}

/**
 * Closed loop: `inFlight` workers each start `op` again as soon as the last one finished, for
 * `seconds`. Operations still running at the end are waited for and not counted.
 */
export async function closedLoop(inFlight: number, seconds: number, op: () => unknown): Promise<Rate> {
  const durations: number[] = [];
  let errors = 0;
  let error: string | undefined;
  const begin = performance.now();
  const end = begin + seconds * 1000;
  async function worker(): Promise<void> {
    for (let t0 = performance.now(); t0 < end; t0 = performance.now()) {
      try {
        await op();
        const t1 = performance.now();
        if (t1 <= end) durations.push(t1 - t0);
      } catch (err) {
        errors++;
        error ??= (err as Error).message.slice(0, 200);
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const round = (n: number, digits: number) => Number(n.toFixed(digits));
  return {
    ops: durations.length,
    seconds,
    perSecond: round(durations.length / seconds, 1),
    p50Ms: round(percentile(durations, 50), 4),
    p99Ms: round(percentile(durations, 99), 4),
    errors,
    ...(error ? { error } : {}),
  };
}
