import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { root } from './compile.js';
import { type LoadResult, percentile } from './load.js';
import { markdownTable } from './markdown.js';
import { cell, groupBy, type Spread, spread } from './repeat.js';

export interface ServerFigures {
  name: string;
  notes: string[];
  loginsPerSecond: number;
  logins: number;
  seconds: number;
  latencyMs: Record<'start' | 'delivery' | 'verify' | 'login', { p50: number; p99: number; max: number }>;
  errors: Record<string, number>;
  peakRssMb: number;
  /** The server's CPU time per login (user + system), ms. */
  serverCpuMsPerLogin: number;
  /** The bench process's (load client and sink) CPU use during the run, as a share of one core. */
  loadClientCores: number;
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

export function figures(
  name: string,
  notes: string[],
  load: LoadResult,
  extra: { peakRssMb: number; serverCpuSeconds: number; clientCpuSeconds: number; wallSeconds: number },
): ServerFigures {
  const latency = (samples: number[]) => ({
    p50: round(percentile(samples, 50), 2) ?? Number.NaN,
    p99: round(percentile(samples, 99), 2) ?? Number.NaN,
    max: round(percentile(samples, 100), 2) ?? Number.NaN,
  });
  return {
    name,
    notes,
    loginsPerSecond: round(load.logins / load.seconds) ?? 0,
    logins: load.logins,
    seconds: load.seconds,
    latencyMs: {
      start: latency(load.start),
      delivery: latency(load.delivery),
      verify: latency(load.verify),
      login: latency(load.login),
    },
    errors: load.errors,
    peakRssMb: round(extra.peakRssMb) ?? Number.NaN,
    serverCpuMsPerLogin: round((extra.serverCpuSeconds * 1000) / Math.max(1, load.logins), 2) ?? Number.NaN,
    loadClientCores: round(extra.clientCpuSeconds / extra.wallSeconds, 2) ?? Number.NaN,
  };
}

export function ratios(all: ServerFigures[]): Record<string, number | null> {
  const rate = (name: string) => all.find((f) => f.name === name)?.loginsPerSecond;
  const out: Record<string, number | null> = {};
  const ours = rate('otpline');
  for (const peer of ['better-auth', 'in-memory']) {
    const theirs = rate(peer);
    if (ours !== undefined && theirs !== undefined)
      out[`otpline/${peer}`] = theirs ? round(ours / theirs, 2) : null;
  }
  return out;
}

export function table(all: ServerFigures[], vus: number): string {
  const pair = (l: { p50: number; p99: number }) => `${l.p50} / ${l.p99}`;
  const rows = [
    [
      'server',
      'logins/s',
      'start p50/p99 ms',
      'delivery p50/p99',
      'verify p50/p99',
      'errors',
      'peak RSS MB',
      'CPU ms/login',
    ],
    ...all.map((f) => [
      f.name,
      String(f.loginsPerSecond),
      pair(f.latencyMs.start),
      pair(f.latencyMs.delivery),
      pair(f.latencyMs.verify),
      String(Object.values(f.errors).reduce((a, b) => a + b, 0)),
      String(f.peakRssMb),
      String(f.serverCpuMsPerLogin),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const [head, ...body] = rows;
  return [`Logins end to end, ${vus} virtual users`, line(head ?? []), rule, ...body.map(line)].join('\n');
}

const STEPS = ['start', 'delivery', 'verify', 'login'] as const;

export interface ServerSpread {
  loginsPerSecond: Spread;
  p99Ms: Record<(typeof STEPS)[number], Spread>;
}

/** Each server's logins/s and p99s over the runs (--runs). */
export function serverSpreads(runs: readonly ServerFigures[][]): Record<string, ServerSpread> {
  return Object.fromEntries(
    [...groupBy(runs.flat(), (f) => f.name)].map(([name, mine]) => {
      const p99 = (step: (typeof STEPS)[number]) => spread(mine.map((f) => f.latencyMs[step].p99));
      return [
        name,
        {
          loginsPerSecond: spread(
            mine.map((f) => f.loginsPerSecond),
            1,
          ),
          p99Ms: {
            start: p99('start'),
            delivery: p99('delivery'),
            verify: p99('verify'),
            login: p99('login'),
          },
        },
      ];
    }),
  );
}

export function spreadTable(spreads: Record<string, ServerSpread>): string {
  const rows = [
    ['server', 'logins/s', 'start p99 ms', 'delivery p99 ms', 'verify p99 ms', 'login p99 ms'],
    ...Object.entries(spreads).map(([name, s]) => [
      name,
      cell(s.loginsPerSecond),
      ...STEPS.map((step) => cell(s.p99Ms[step])),
    ]),
  ];
  return markdownTable(rows);
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

export function machine() {
  const cpu = cpus();
  return {
    os: `${platform()} ${release()}`,
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    memoryGb: round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** How this bench was started, for the results file: `npm run bench: tsx bench/logins.ts --vus 4`. */
export function benchCommand(script: string): string {
  const event = process.env.npm_lifecycle_event;
  const npm = event && event !== 'npx' ? `npm run ${event}: ` : '';
  return `${npm}tsx ${script} ${process.argv.slice(2).join(' ')}`.trim();
}

/** Writes bench/results/<date>-<kind>.json and returns its path. */
export function save(document: Record<string, unknown>, kind = 'logins'): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  const file = join(dir, `${stamp}-${kind}.json`);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  writeFileSync(
    file,
    `${JSON.stringify({ commit: git(['rev-parse', 'HEAD']), uncommittedChanges: Boolean(dirty), ...document }, null, 2)}\n`,
  );
  return file;
}
