import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, or that say nothing to a person at a terminal. */
const HIDDEN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'service',
  'msg',
  'reqId',
  'method',
  'path',
  'status',
  'ms',
]);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Object && 'message' in v) return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v);
}

/** One log record as a line a person reads: `12:03:04 INFO  otpline is ready url=...`. */
export function prettyLine(record: Record<string, unknown>): string {
  const time = new Date(Number(record.time ?? Date.now())).toTimeString().slice(0, 8);
  const level = (LEVELS[Number(record.level)] ?? 'LOG').padEnd(5);
  const request = record.method !== undefined && record.path !== undefined && record.status !== undefined;
  const message = request
    ? `${record.method} ${record.path} → ${record.status} (${record.ms} ms)`
    : String(record.msg ?? '');
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, v]) => `${key}=${value(v)}`);
  return `${time} ${level} ${[message, ...fields].join(' ')}\n`;
}

/** A pino destination that writes readable lines instead of JSON, for a terminal. */
export function prettyDestination(write: (line: string) => void): DestinationStream {
  return {
    write(chunk: string) {
      for (const json of chunk.split('\n')) {
        if (!json) continue;
        try {
          write(prettyLine(JSON.parse(json) as Record<string, unknown>));
        } catch {
          write(`${json}\n`);
        }
      }
    },
  };
}
