// Growth: otpline's logins as concurrency grows (a sweep of virtual-user counts, each on a fresh
// server) and as its database grows (otpline's SQLite file pre-filled with N past logins, then
// measured at a fixed VU count). Usage:
//   npx tsx bench/growth.ts [--vus-list 1,4,16,64,256] [--seconds 5] [--warmup N]
//                           [--sizes 10000,100000,1000000] [--size-vus 32] [--rounds 3] [--peers] [--no-save] [--strict]
// --peers measures the in-memory peer at each VU count too, for the ratio. --strict exits 1 when
// any run fails a login (the smoke run); otherwise only a run with no login at all fails.
// The sizes are compared within one run: every pre-filled server is started first, then each is
// measured in turn, --rounds times (in the opposite order every other round), and each size is
// reported by its median round. This machine's speed drifts by a third within minutes; measured
// one after the other, the last size took whatever the machine's minute was.
// Figures go to bench/results/<date>-growth.json, charts to <date>-growth-concurrency.svg and
// <date>-growth-size.svg.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auth0Protocol } from './lib/auth0-protocol.js';
import { LoadClient } from './lib/http.js';
import { markdownTable } from './lib/markdown.js';
import { measureLogins, type Window } from './lib/measure.js';
import { type Prefilled, prefill } from './lib/prefill.js';
import { cell, groupBy, medianRuns, type Spread, spread } from './lib/repeat.js';
import { benchCommand, machine, type ServerFigures, save } from './lib/report.js';
import { SmsSink } from './lib/sink.js';
import { lineChart, type Series } from './lib/svg.js';
import type { Launched, Target } from './lib/target.js';
import { inMemory } from './targets/in-memory.js';
import { otpline, setUp, startOtpline } from './targets/otpline.js';

const { values } = parseArgs({
  options: {
    'vus-list': { type: 'string', default: '1,4,16,64,256' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string' },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'size-vus': { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    peers: { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const list = (s: string | undefined) => (s ? s.split(',').map(Number) : []);
const vusList = list(values['vus-list']);
const sizes = list(values.sizes);
const seconds = Number(values.seconds);
const warmupSeconds = values.warmup !== undefined ? Number(values.warmup) : seconds >= 3 ? 1 : 0;
const sizeVus = Number(values['size-vus']);
const rounds = Number(values.rounds);
const positive = (n: number) => Number.isInteger(n) && n > 0;
if (
  !(
    seconds > 0 &&
    warmupSeconds >= 0 &&
    positive(sizeVus) &&
    positive(rounds) &&
    [...vusList, ...sizes].every(positive)
  )
) {
  process.stderr.write(
    'usage: bench/growth.ts [--vus-list N,N] [--seconds N] [--warmup N] [--sizes N,N] [--size-vus N] [--rounds N] [--peers]\n',
  );
  process.exit(2);
}
const targets: Target[] = values.peers ? [otpline, inMemory] : [otpline];
const PREFILL_NOTE =
  'before the run: N past logins written straight into its SQLite file (N users, N codes: 9 in 10 used, 1 in 10 ' +
  "expired unused; N messages 'sent' with one accepted attempt each), spread over the last 90 days; then restarted on it";

type Row = Omit<ServerFigures, 'notes'>;
const withoutNotes = ({ notes: _, ...rest }: ServerFigures): Row => rest;

/** otpline on a data directory pre-filled with `rows` past logins: set up, stopped, filled, restarted. */
async function launchPrefilled(sink: SmsSink, rows: number, vus: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-growth-'));
  const env = { OTPLINE_DATA_DIR: dir };
  try {
    const first = await startOtpline(env); // migrates the schema, makes the keys and secrets
    const client = await setUp(first.origin, first.admin, sink.url).finally(() => first.stop());
    process.stderr.write(`otpline: pre-filling ${rows.toLocaleString('en-US')} logins\n`);
    const filled = prefill(join(dir, 'otpline.sqlite'), rows);
    const running = await startOtpline(env);
    const http = new LoadClient(running.origin, vus);
    const launched: Launched = {
      server: running.server,
      protocol: auth0Protocol(http, client, 'sms'),
      async close() {
        await http.close();
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return { filled, launched };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const sink = await SmsSink.start();
const byVus: (Row & { vus: number })[] = [];
type SizeRow = Row & Prefilled & { vus: number; round: number };
const bySize: (SizeRow & { rounds: { loginsPerSecond: Spread; serverCpuMsPerLogin: Spread } })[] = [];
/** Every round at every size, in the order measured: `bySize` keeps each size's median round. */
const sizeRounds: SizeRow[] = [];
try {
  for (const vus of vusList) {
    for (const target of targets) {
      process.stderr.write(`${target.name}: ${vus} VUs, ${warmupSeconds} s warm-up + ${seconds} s\n`);
      const launched = await target.launch(sink, vus);
      const window: Window = { vus, seconds, warmupSeconds };
      try {
        byVus.push({ vus, ...withoutNotes(await measureLogins(target.name, [], launched, sink, window)) });
      } finally {
        await launched.close();
      }
    }
  }
  const servers: { filled: Prefilled; launched: Launched }[] = [];
  try {
    for (const rows of sizes) servers.push(await launchPrefilled(sink, rows, sizeVus));
    const window: Window = { vus: sizeVus, seconds, warmupSeconds };
    for (let round = 1; round <= rounds; round++) {
      for (const { filled, launched } of round % 2 ? servers : [...servers].reverse()) {
        process.stderr.write(
          `otpline, round ${round} of ${rounds}: ${filled.rows.toLocaleString('en-US')} rows (${filled.fileMb} MB), ${sizeVus} VUs, ${warmupSeconds} s warm-up + ${seconds} s\n`,
        );
        const figures = await measureLogins('otpline', [], launched, sink, window);
        sizeRounds.push({ ...filled, vus: sizeVus, round, ...withoutNotes(figures) });
      }
    }
    const bySizeRows = (r: SizeRow) => String(r.rows);
    const groups = groupBy(sizeRounds, bySizeRows);
    for (const median of medianRuns([sizeRounds], bySizeRows, (r) => r.loginsPerSecond)) {
      const all = groups.get(bySizeRows(median)) ?? [];
      bySize.push({
        ...median,
        rounds: {
          loginsPerSecond: spread(
            all.map((r) => r.loginsPerSecond),
            1,
          ),
          serverCpuMsPerLogin: spread(all.map((r) => r.serverCpuMsPerLogin)),
        },
      });
    }
  } finally {
    for (const { launched } of servers) await launched.close();
  }
} finally {
  await sink.close();
}

const pair = (l: { p50: number; p99: number }) => `${l.p50} / ${l.p99}`;
const errorCount = (r: Row) => String(Object.values(r.errors).reduce((a, b) => a + b, 0));
const ratios: Record<string, number | null> = {};
// The largest database against the smallest, each at its median round: 1 is flat.
const smallest = bySize[0];
const largest = bySize.at(-1);
if (smallest && largest && largest !== smallest && smallest.loginsPerSecond) {
  ratios[`${largest.rows} rows / ${smallest.rows} rows`] = Number(
    (largest.loginsPerSecond / smallest.loginsPerSecond).toFixed(2),
  );
}
for (const ours of byVus.filter((r) => r.name === 'otpline')) {
  const theirs = byVus.find((r) => r.name === 'in-memory' && r.vus === ours.vus);
  if (theirs)
    ratios[`otpline/in-memory @${ours.vus}`] = theirs.loginsPerSecond
      ? Number((ours.loginsPerSecond / theirs.loginsPerSecond).toFixed(2))
      : null;
}
const concurrencyTable = markdownTable(
  [
    [
      'VUs',
      'server',
      'logins/s',
      'start p50/p99 ms',
      'login p50/p99 ms',
      'errors',
      'CPU ms/login',
      'client cores',
    ],
    ...byVus.map((r) => [
      String(r.vus),
      r.name,
      String(r.loginsPerSecond),
      pair(r.latencyMs.start),
      pair(r.latencyMs.login),
      errorCount(r),
      String(r.serverCpuMsPerLogin),
      String(r.loadClientCores),
    ]),
  ],
  [0, 2, 5, 6, 7],
);
const sizeTable = markdownTable(
  [
    [
      'rows',
      'DB MB',
      'prefill s',
      `logins/s (${rounds === 1 ? 'one round' : `median, range of ${rounds} rounds`})`,
      'start p50/p99 ms',
      'login p50/p99 ms',
      'errors',
      'CPU ms/login',
      'peak RSS MB',
    ],
    ...bySize.map((r) => [
      r.rows.toLocaleString('en-US'),
      String(r.fileMb),
      String(r.prefillSeconds),
      rounds === 1 ? String(r.loginsPerSecond) : cell(r.rounds.loginsPerSecond),
      pair(r.latencyMs.start),
      pair(r.latencyMs.login),
      errorCount(r),
      rounds === 1 ? String(r.serverCpuMsPerLogin) : cell(r.rounds.serverCpuMsPerLogin),
      String(r.peakRssMb),
    ]),
  ],
  [0, 1, 2, 3, 6, 7, 8],
);
process.stdout.write(
  `\nLogins as concurrency grows, ${seconds} s per run, a fresh server each\n${concurrencyTable}\n\n`,
);
for (const [name, value] of Object.entries(ratios)) process.stdout.write(`logins/s ${name}: ${value}x\n`);
process.stdout.write(
  `\nLogins as the database grows, ${sizeVus} VUs, ${seconds} s per run, every size in each of ${rounds} round${rounds === 1 ? '' : 's'}; latencies and RSS from the median round\n${sizeTable}\n\n`,
);
for (const r of [...byVus, ...sizeRounds]) {
  if (Object.keys(r.errors).length) process.stdout.write(`${r.name} errors: ${JSON.stringify(r.errors)}\n`);
}

const series = (rows: (Row & { x: number })[], name: string, y: (r: Row) => number): Series => ({
  name,
  points: rows.filter((r) => r.name === name.split(' ')[0]).map((r) => [r.x, y(r)]),
});
const vusRows = byVus.map((r) => ({ ...r, x: r.vus }));
const sizeRows = bySize.map((r) => ({ ...r, x: r.rows }));
const names = targets.map((t) => t.name);
const concurrencySvg = lineChart(`otpline logins as concurrency grows (${seconds} s per point)`, [
  {
    title: 'Logins per second',
    xLabel: 'virtual users (log scale)',
    yLabel: 'logins/s',
    series: names.map((n) => series(vusRows, n, (r) => r.loginsPerSecond)),
  },
  {
    title: '/passwordless/start latency',
    xLabel: 'virtual users (log scale)',
    yLabel: 'ms',
    series: names.flatMap((n, i) => [
      { ...series(vusRows, `${n} p99`, (r) => r.latencyMs.start.p99), color: i },
      { ...series(vusRows, `${n} p50`, (r) => r.latencyMs.start.p50), color: i, dashed: true },
    ]),
  },
]);
const sizeSvg = lineChart(`otpline logins as its database grows (${sizeVus} VUs, ${seconds} s per point)`, [
  {
    title: 'Logins per second',
    xLabel: 'past logins in the database (log scale)',
    yLabel: 'logins/s',
    series: [series(sizeRows, 'otpline', (r) => r.loginsPerSecond)],
  },
  {
    title: 'Latency p99',
    xLabel: 'past logins in the database (log scale)',
    yLabel: 'ms',
    series: [
      series(sizeRows, 'otpline login p99', (r) => r.latencyMs.login.p99),
      series(sizeRows, 'otpline start p99', (r) => r.latencyMs.start.p99),
    ],
  },
]);

if (!values['no-save']) {
  const file = save(
    {
      date: new Date().toISOString(),
      command: benchCommand('bench/growth.ts'),
      machine: machine(),
      // Strings: a short array would be folded onto one line by the formatter, which checks bench/results too.
      options: {
        vusList: vusList.join(','),
        sizes: sizes.join(','),
        sizeVus,
        rounds,
        seconds,
        warmupSeconds,
        peers: values.peers,
      },
      notes: {
        ...Object.fromEntries(targets.map((t) => [t.name, t.notes])),
        'otpline by size': [...otpline.notes, PREFILL_NOTE],
      },
      ratios,
      concurrency: byVus,
      size: bySize,
      sizeRounds,
    },
    'growth',
  );
  const concurrencyFile = file.replace(/-growth\.json$/, '-growth-concurrency.svg');
  const sizeFile = file.replace(/-growth\.json$/, '-growth-size.svg');
  writeFileSync(concurrencyFile, concurrencySvg);
  writeFileSync(sizeFile, sizeSvg);
  process.stdout.write(`results: ${file}\ncharts: ${concurrencyFile}\n        ${sizeFile}\n`);
}

const failed = [...byVus, ...sizeRounds].filter(
  (r) => r.logins === 0 || (values.strict && Object.keys(r.errors).length > 0),
);
if (failed.length) {
  const label = (r: Row & { vus: number; rows?: number; round?: number }) =>
    `${r.name}@${r.vus}${r.rows ? ` (${r.rows} rows${r.round ? `, round ${r.round}` : ''})` : ''}`;
  process.stderr.write(`failed: ${failed.map(label).join(', ')}\n`);
  process.exit(1);
}
