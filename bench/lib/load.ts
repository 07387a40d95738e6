import { CallFailed } from './http.js';
import type { SmsSink } from './sink.js';

/** The two calls of a login, as one server spells them. */
export interface LoginProtocol {
  /** Asks for a code to be sent to `phone`; throws CallFailed on anything but success. */
  start(phone: string): Promise<void>;
  /** Trades the code for a session or tokens; throws CallFailed on anything but success. */
  verify(phone: string, code: string): Promise<void>;
}

export interface LoadOptions {
  vus: number;
  seconds: number;
  /** Logins finished in this first stretch are not counted (JIT, pools and caches warming up). */
  warmupSeconds: number;
  nextPhone: () => string;
  /** How long a VU waits for its SMS before counting an error. */
  smsTimeoutMs?: number;
}

export interface LoadResult {
  logins: number;
  seconds: number;
  /** ms: request sent → answer to /start; request sent → SMS at the sink; code in hand → tokens. */
  start: number[];
  delivery: number[];
  verify: number[];
  login: number[];
  errors: Record<string, number>;
}

/** Closed-loop virtual users: each logs in with a new phone, then starts over, until time is up. */
export async function runLogins(protocol: LoginProtocol, sink: SmsSink, options: LoadOptions) {
  const begin = performance.now();
  const measureFrom = begin + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  const result: LoadResult = {
    logins: 0,
    seconds: options.seconds,
    start: [],
    delivery: [],
    verify: [],
    login: [],
    errors: {},
  };

  async function one(): Promise<void> {
    const phone = options.nextPhone();
    const t0 = performance.now();
    let step = 'start';
    try {
      await protocol.start(phone);
      const t1 = performance.now();
      step = 'sms';
      const sms = await sink.waitFor(phone, options.smsTimeoutMs ?? 10_000);
      const t2 = Math.max(t1, sms.at);
      step = 'verify';
      await protocol.verify(phone, sms.code);
      const t3 = performance.now();
      if (t0 < measureFrom || t3 > end) return;
      result.logins++;
      result.start.push(t1 - t0);
      result.delivery.push(sms.at - t0);
      result.verify.push(t3 - t2);
      result.login.push(t3 - t0);
    } catch (err) {
      if (performance.now() < measureFrom) return;
      const kind = err instanceof CallFailed ? err.kind : `${step} ${(err as Error).message.split(' ')[0]}`;
      result.errors[kind] = (result.errors[kind] ?? 0) + 1;
      // A server that fails fast must not turn the loop into a busy spin.
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function vu(): Promise<void> {
    while (performance.now() < end) await one();
  }

  await Promise.all(Array.from({ length: options.vus }, vu));
  return result;
}

/** The p-th percentile (0–100) of `samples`, nearest rank; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
