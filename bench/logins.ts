// Logins end to end: closed-loop virtual users against otpline and its peers in turn, in one run,
// with one load client and one SMS sink. Usage:
//   npx tsx bench/logins.ts [--seconds 10] [--vus 32] [--warmup 2] [--only otpline,in-memory]
//                           [--runs 1] [--no-save] [--strict]
// --runs N repeats the whole sequence of servers N times, interleaved (otpline, better-auth,
// in-memory, then again), so each ratio comes from one run; it prints every run, then the median and
// range over the runs of each ratio, logins/s and p99.
// --strict exits 1 when any server fails a login (the smoke run); otherwise only a server with no
// login at all fails the run. Figures are written to bench/results/<date>-logins.json.
import { parseArgs } from 'node:util';
import { measureLogins } from './lib/measure.js';
import { describe, medianRuns, ratioSpreads } from './lib/repeat.js';
import {
  benchCommand,
  machine,
  ratios,
  type ServerFigures,
  save,
  serverSpreads,
  spreadTable,
  table,
} from './lib/report.js';
import { SmsSink } from './lib/sink.js';
import type { Target } from './lib/target.js';
import { betterAuth } from './targets/better-auth.js';
import { inMemory } from './targets/in-memory.js';
import { otpline } from './targets/otpline.js';

const TARGETS: Target[] = [otpline, betterAuth, inMemory];

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    vus: { type: 'string', default: '32' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    runs: { type: 'string', default: '1' },
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const vus = Number(values.vus);
const warmupSeconds = values.warmup !== undefined ? Number(values.warmup) : seconds >= 5 ? 2 : 0;
const runCount = Number(values.runs);
const only = values.only?.split(',');
const targets = only ? TARGETS.filter((t) => only.includes(t.name)) : TARGETS;
if (
  !(seconds > 0 && vus > 0 && warmupSeconds >= 0 && Number.isInteger(runCount) && runCount > 0) ||
  !targets.length
) {
  process.stderr.write(
    'usage: bench/logins.ts [--seconds N] [--vus N] [--warmup N] [--only a,b] [--runs N]\n',
  );
  process.exit(2);
}

async function measure(target: Target, sink: SmsSink): Promise<ServerFigures> {
  process.stderr.write(`${target.name}: starting\n`);
  const launched = await target.launch(sink, vus);
  try {
    process.stderr.write(`${target.name}: ${warmupSeconds} s warm-up, ${seconds} s at ${vus} VUs\n`);
    return await measureLogins(target.name, target.notes, launched, sink, { vus, seconds, warmupSeconds });
  } finally {
    await launched.close();
  }
}

const sink = await SmsSink.start();
/** Every run's figures, one per server in TARGETS order. */
const runs: ServerFigures[][] = [];
try {
  for (let run = 1; run <= runCount; run++) {
    if (runCount > 1) process.stderr.write(`run ${run} of ${runCount}\n`);
    const results: ServerFigures[] = [];
    for (const target of targets) results.push(await measure(target, sink));
    runs.push(results);
  }
} finally {
  await sink.close();
}

const runRatios = runs.map(ratios);
for (const [i, results] of runs.entries()) {
  process.stdout.write(`\n${runCount > 1 ? `Run ${i + 1} of ${runCount}: ` : ''}${table(results, vus)}\n\n`);
  for (const [name, value] of Object.entries(runRatios[i] ?? {}))
    process.stdout.write(`logins/s ${name}: ${value}x\n`);
}
const all = runs.flat();
const runOf = new Map(runs.flatMap((results, i) => results.map((f) => [f, i + 1] as const)));
const run = (f: ServerFigures) => (runCount > 1 ? ` (run ${runOf.get(f)})` : '');
const printed = new Set<string>();
for (const f of all) {
  for (const note of f.notes.map((n) => `${f.name}: ${n}`).filter((n) => !printed.has(n))) {
    printed.add(note);
    process.stdout.write(`${note}\n`);
  }
  if (Object.keys(f.errors).length)
    process.stdout.write(`${f.name}${run(f)} errors: ${JSON.stringify(f.errors)}\n`);
}
const loadCores = targets
  .map((t) => `${t.name} ${runs.map((r) => r.find((f) => f.name === t.name)?.loadClientCores).join('/')}`)
  .join(', ');
process.stdout.write(`load client + sink CPU (cores${runCount > 1 ? ', run by run' : ''}): ${loadCores}\n`);

const summary = { runs: runCount, ratios: ratioSpreads(runRatios), servers: serverSpreads(runs) };
if (runCount > 1) {
  process.stdout.write(`\nOver ${runCount} runs, median (min–max):\n${spreadTable(summary.servers)}\n\n`);
  for (const [name, s] of Object.entries(summary.ratios))
    process.stdout.write(`logins/s ${name}: ${describe(s)}\n`);
}

if (!values['no-save']) {
  const file = save({
    date: new Date().toISOString(),
    command: benchCommand('bench/logins.ts'),
    machine: machine(),
    options: { seconds, vus, warmupSeconds, runs: runCount },
    // As before --runs: each ratio's median over the runs, and per server the figures of its median
    // run by logins/s (with one run, that run's ratios and figures).
    ratios: Object.fromEntries(Object.entries(summary.ratios).map(([name, s]) => [name, s.median])),
    results: medianRuns(
      runs,
      (f) => f.name,
      (f) => f.loginsPerSecond,
    ),
    runs: runs.map((results, i) => ({ run: i + 1, ratios: runRatios[i], results })),
    summary,
  });
  process.stdout.write(`results: ${file}\n`);
}

const failed = all.filter((f) => f.logins === 0 || (values.strict && Object.keys(f.errors).length > 0));
if (failed.length) {
  process.stderr.write(`failed: ${failed.map((f) => `${f.name}${run(f)}`).join(', ')}\n`);
  process.exit(1);
}
