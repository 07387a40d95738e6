// Logins end to end: closed-loop virtual users against otpline and its peers in turn, in one run,
// with one load client and one SMS sink. Usage:
//   npx tsx bench/logins.ts [--seconds 10] [--vus 32] [--warmup 2] [--only otpline,in-memory]
//                           [--no-save] [--strict]
// --strict exits 1 when any server fails a login (the smoke run); otherwise only a server with no
// login at all fails the run. Figures are written to bench/results/<date>-logins.json.
import { parseArgs } from 'node:util';
import { runLogins } from './lib/load.js';
import { phoneSequence } from './lib/phones.js';
import { figures, machine, ratios, type ServerFigures, save, table } from './lib/report.js';
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
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const vus = Number(values.vus);
const warmupSeconds = values.warmup !== undefined ? Number(values.warmup) : seconds >= 5 ? 2 : 0;
const only = values.only?.split(',');
const targets = only ? TARGETS.filter((t) => only.includes(t.name)) : TARGETS;
if (!(seconds > 0 && vus > 0 && warmupSeconds >= 0) || targets.length === 0) {
  process.stderr.write('usage: bench/logins.ts [--seconds N] [--vus N] [--warmup N] [--only a,b]\n');
  process.exit(2);
}

async function measure(target: Target, sink: SmsSink): Promise<ServerFigures> {
  process.stderr.write(`${target.name}: starting\n`);
  const launched = await target.launch(sink, vus);
  try {
    process.stderr.write(`${target.name}: ${warmupSeconds} s warm-up, ${seconds} s at ${vus} VUs\n`);
    // CPU is counted over the measured window only, as the logins are.
    const window = { server: Number.NaN, client: process.cpuUsage(), wall: 0, serverEnd: Number.NaN };
    let clientEnd = process.cpuUsage();
    const begin = setTimeout(() => {
      window.server = launched.server.cpuSeconds();
      window.client = process.cpuUsage();
      window.wall = performance.now();
    }, warmupSeconds * 1000);
    const end = setTimeout(
      () => {
        window.serverEnd = launched.server.cpuSeconds();
        clientEnd = process.cpuUsage(window.client);
      },
      (warmupSeconds + seconds) * 1000,
    );
    const load = await runLogins(launched.protocol, sink, {
      vus,
      seconds,
      warmupSeconds,
      nextPhone: phoneSequence(),
    });
    clearTimeout(begin);
    clearTimeout(end);
    return figures(target.name, [...target.notes, ...(launched.facts ?? [])], load, {
      peakRssMb: launched.server.peakRssMb(),
      serverCpuSeconds: window.serverEnd - window.server,
      clientCpuSeconds: (clientEnd.user + clientEnd.system) / 1e6,
      wallSeconds: seconds,
    });
  } catch (err) {
    process.stderr.write(`${target.name} output:\n${launched.server.output()}\n`);
    throw err;
  } finally {
    await launched.close();
    sink.reset();
  }
}

const sink = await SmsSink.start();
const results: ServerFigures[] = [];
try {
  for (const target of targets) results.push(await measure(target, sink));
} finally {
  await sink.close();
}

const ratio = ratios(results);
process.stdout.write(`\n${table(results, vus)}\n\n`);
for (const [name, value] of Object.entries(ratio)) process.stdout.write(`logins/s ${name}: ${value}x\n`);
for (const f of results) {
  for (const note of f.notes) process.stdout.write(`${f.name}: ${note}\n`);
  const errors = Object.entries(f.errors);
  if (errors.length) process.stdout.write(`${f.name} errors: ${JSON.stringify(f.errors)}\n`);
}
const loadCores = results.map((f) => `${f.name} ${f.loadClientCores}`).join(', ');
process.stdout.write(`load client + sink CPU (cores): ${loadCores}\n`);

if (!values['no-save']) {
  const file = save({
    date: new Date().toISOString(),
    command: [
      process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}:` : '',
      `tsx bench/logins.ts ${process.argv.slice(2).join(' ')}`,
    ]
      .join(' ')
      .trim(),
    machine: machine(),
    options: { seconds, vus, warmupSeconds },
    ratios: ratio,
    results,
  });
  process.stdout.write(`results: ${file}\n`);
}

const failed = results.filter((f) => f.logins === 0 || (values.strict && Object.keys(f.errors).length > 0));
if (failed.length) {
  process.stderr.write(`failed: ${failed.map((f) => f.name).join(', ')}\n`);
  process.exit(1);
}
