// Gateway throughput: closed-loop senders submit messages to each gateway in turn (otpline, Kannel,
// an in-memory ceiling), in one run, and one receiver counts what each delivers. Usage:
//   npx tsx bench/gateway.ts [--messages 5000] [--senders 32[,128]] [--warmup N] [--leg http|smpp|both]
//                            [--only otpline,kannel,in-memory] [--runs 1] [--no-save] [--strict]
// --leg: how the gateways deliver: http (the default) to one HTTP sink (otpline's webhook provider,
// Kannel's generic HTTP SMSC, the in-memory peer's POST); smpp to one loopback SMSC (otpline's SMPP
// driver, Kannel's smsc = smpp; the in-memory peer has no SMPP client and is skipped); both, http first.
// --runs N repeats the whole sequence (every leg, sender count and gateway) N times, interleaved, so
// each ratio comes from one run; it prints every run, then the median and range over the runs of each
// ratio, msg/s and p99.
// --strict exits 1 when any gateway loses, duplicates or refuses a message (the smoke run).
// Figures are written to bench/results/<date>-gateway.json.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DeliverySink } from './lib/delivery-sink.js';
import {
  type GatewayFigures,
  gatewayFigures,
  gatewayKey,
  gatewayRatios,
  gatewaySpreads,
  gatewaySpreadTable,
  gatewayTable,
} from './lib/gateway-report.js';
import { type GatewayTarget, LEGS, type Leg, type Receiver } from './lib/gateway-target.js';
import { phoneSequence } from './lib/phones.js';
import { describe, groupBy, medianRuns, ratioSpreads } from './lib/repeat.js';
import { benchCommand, machine, save } from './lib/report.js';
import { runSenders } from './lib/senders.js';
import { Smsc } from './lib/smsc.js';
import { inMemoryGateway } from './targets/in-memory-gateway.js';
import { kannel } from './targets/kannel.js';
import { otplineGateway } from './targets/otpline-gateway.js';

const TARGETS: GatewayTarget[] = [otplineGateway, kannel, inMemoryGateway];

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    senders: { type: 'string', default: '32' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    leg: { type: 'string', default: 'http' },
    runs: { type: 'string', default: '1' },
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const messages = Number(values.messages);
const senderCounts = (values.senders ?? '').split(',').map(Number);
const warmup = values.warmup !== undefined ? Number(values.warmup) : messages >= 2000 ? 500 : 0;
const only = values.only?.split(',');
const targets = only ? TARGETS.filter((t) => only.includes(t.name)) : TARGETS;
const runCount = Number(values.runs);
const leg = values.leg ?? 'http';
const legs: Leg[] = leg === 'both' ? [...LEGS] : LEGS.filter((l) => l === leg);
if (
  !(messages > 0 && warmup >= 0 && senderCounts.every((n) => n > 0)) ||
  !(Number.isInteger(runCount) && runCount > 0) ||
  legs.length === 0 ||
  !targets.some((t) => legs.some((l) => t.legs.includes(l)))
) {
  process.stderr.write(
    'usage: bench/gateway.ts [--messages N] [--senders N[,N]] [--warmup N] [--leg http|smpp|both] [--only a,b] [--runs N]\n',
  );
  process.exit(2);
}
/** A run's name in messages: the leg is added when the run has two. */
const label = (name: string, on: Leg) => (legs.length > 1 ? `${name} (${on})` : name);

const cpu = (t: { processes: { cpuSeconds(): number }[] }) =>
  t.processes.reduce((sum, p) => sum + p.cpuSeconds(), 0);

/** What the SMSC saw of a gateway's binds, when it was not the one bind it should be. */
function bindFacts(sink: Receiver, before: Smsc['bindCounts'] | undefined): string[] {
  if (!(sink instanceof Smsc) || !before) return [];
  const after = sink.bindCounts;
  const binds = after.binds - before.binds;
  const refused = after.refused - before.refused;
  const unbound = after.unboundSubmits - before.unboundSubmits;
  if (binds === 1 && refused === 0 && unbound === 0) return [];
  return [`the SMSC saw ${binds} binds, ${refused} refused binds, ${unbound} submit_sm before a bind`];
}

async function measure(target: GatewayTarget, sink: Receiver, senders: number): Promise<GatewayFigures> {
  const name = label(target.name, sink.leg);
  process.stderr.write(`${name}: starting (${senders} senders)\n`);
  const binds = sink instanceof Smsc ? sink.bindCounts : undefined;
  const launched = await target.launch(sink, senders);
  try {
    const nextPhone = phoneSequence();
    if (warmup > 0) {
      const tag = `${randomBytes(4).toString('hex')}w`;
      sink.begin(tag);
      const sent = await runSenders(launched.send, { senders, messages: warmup, tag, nextPhone });
      await sink.drain(sent.accepted, 5_000, 30_000);
    }
    process.stderr.write(`${name}: ${messages} messages at ${senders} senders (after ${warmup} warm-up)\n`);
    const tag = randomBytes(4).toString('hex');
    sink.begin(tag);
    const serverCpu = cpu(launched);
    const clientCpu = process.cpuUsage();
    const sent = await runSenders(launched.send, { senders, messages, tag, nextPhone });
    await sink.drain(sent.accepted, 15_000, 300_000);
    const client = process.cpuUsage(clientCpu);
    const notes = [...target.notes(sink.leg), ...(launched.facts ?? []), ...bindFacts(sink, binds)];
    return gatewayFigures({ name: target.name, leg: sink.leg, senders, notes, messages }, sent, sink, {
      peakRssMb: launched.processes.reduce((sum, p) => sum + p.peakRssMb(), 0),
      serverCpuSeconds: cpu(launched) - serverCpu,
      clientCpuSeconds: (client.user + client.system) / 1e6,
    });
  } catch (err) {
    process.stderr.write(`${name} output:\n${launched.processes.map((p) => p.output()).join('\n')}\n`);
    throw err;
  } finally {
    await launched.close();
  }
}

const skipped: Record<string, string> = {};
for (const target of targets) {
  const reason = await target.unavailable?.();
  if (reason) {
    skipped[target.name] = reason;
    process.stderr.write(`${target.name}: skipped: ${reason}\n`);
  }
}
// A gateway with no client for a leg is compared on the others only.
for (const on of legs)
  for (const target of targets)
    if (!skipped[target.name] && !target.legs.includes(on)) {
      const reason = `not on the ${on} leg: it delivers over ${target.legs.join(', ')} only`;
      skipped[`${target.name} (${on})`] = reason;
      process.stderr.write(`${target.name}: skipped: ${reason}\n`);
    }

// Each leg's receiver, started when that leg first runs and kept for the later runs.
const receivers = new Map<Leg, Receiver>();
/** Every run's figures, in the order measured. */
const runs: GatewayFigures[][] = [];
try {
  for (let run = 1; run <= runCount; run++) {
    if (runCount > 1) process.stderr.write(`run ${run} of ${runCount}\n`);
    const results: GatewayFigures[] = [];
    for (const on of legs) {
      const receiver = receivers.get(on) ?? (on === 'http' ? await DeliverySink.start() : await Smsc.start());
      receivers.set(on, receiver);
      for (const senders of senderCounts) {
        for (const target of targets)
          if (!skipped[target.name] && target.legs.includes(on))
            results.push(await measure(target, receiver, senders));
      }
    }
    runs.push(results);
  }
} finally {
  for (const receiver of receivers.values()) await receiver.close();
}

const runRatios = runs.map(gatewayRatios);
for (const [i, results] of runs.entries()) {
  const title = `${runCount > 1 ? `Run ${i + 1} of ${runCount}: g` : 'G'}ateway throughput`;
  process.stdout.write(
    `\n${title}, ${messages} messages per run, leg: ${legs.join(' then ')}\n${gatewayTable(results)}\n\n`,
  );
  for (const [name, value] of Object.entries(runRatios[i] ?? {}))
    process.stdout.write(`${name}: ${value}x\n`);
}
const all = runs.flat();
const runOf = new Map(runs.flatMap((results, i) => results.map((f) => [f, i + 1] as const)));
const run = (f: GatewayFigures) => (runCount > 1 ? ` (run ${runOf.get(f)})` : '');
for (const [name, reason] of Object.entries(skipped)) process.stdout.write(`${name}: skipped: ${reason}\n`);
const notes = new Map<string, Set<string>>();
for (const f of all) {
  const list = notes.get(label(f.name, f.leg)) ?? new Set();
  for (const note of f.notes) list.add(note);
  notes.set(label(f.name, f.leg), list);
}
for (const [name, list] of notes) for (const note of list) process.stdout.write(`${name}: ${note}\n`);
for (const f of all) {
  if (Object.keys(f.errors).length)
    process.stdout.write(
      `${label(f.name, f.leg)} @${f.senders}${run(f)} errors: ${JSON.stringify(f.errors)}\n`,
    );
  for (const [kind, sample] of Object.entries(f.errorSamples)) process.stdout.write(`  ${kind}: ${sample}\n`);
}
const loadCores = [...groupBy(all, (f) => `${label(f.name, f.leg)}@${f.senders}`)]
  .map(([name, figures]) => `${name} ${figures.map((f) => f.loadClientCores).join('/')}`)
  .join(', ');
const receiving = legs.map((l) => (l === 'http' ? 'sink' : 'SMSC')).join(' + ');
process.stdout.write(
  `load client + ${receiving} CPU (cores${runCount > 1 ? ', run by run' : ''}): ${loadCores}\n`,
);

const summary = { runs: runCount, ratios: ratioSpreads(runRatios), gateways: gatewaySpreads(runs) };
if (runCount > 1) {
  process.stdout.write(
    `\nOver ${runCount} runs, median (min–max):\n${gatewaySpreadTable(summary.gateways)}\n\n`,
  );
  for (const [name, s] of Object.entries(summary.ratios)) process.stdout.write(`${name}: ${describe(s)}\n`);
}

if (!values['no-save']) {
  const file = save(
    {
      date: new Date().toISOString(),
      command: benchCommand('bench/gateway.ts'),
      machine: machine(),
      // A string: a short array would be folded onto one line by the formatter, which checks bench/results too.
      options: { messages, senders: senderCounts.join(','), warmup, leg, runs: runCount },
      // As before --runs: each ratio's median over the runs, and per gateway and sender count the
      // figures of its median run by end-to-end msg/s (with one run, that run's ratios and figures).
      ratios: Object.fromEntries(Object.entries(summary.ratios).map(([name, s]) => [name, s.median])),
      skipped,
      results: medianRuns(runs, gatewayKey, (f) => f.endToEndPerSecond),
      runs: runs.map((results, i) => ({ run: i + 1, ratios: runRatios[i], results })),
      summary,
    },
    'gateway',
  );
  process.stdout.write(`results: ${file}\n`);
}

const failed = all.filter(
  (f) =>
    f.accepted === 0 ||
    (values.strict && (f.lost > 0 || f.duplicated > 0 || Object.keys(f.errors).length > 0)),
);
if (failed.length) {
  process.stderr.write(
    `failed: ${failed.map((f) => `${label(f.name, f.leg)}@${f.senders}${run(f)}`).join(', ')}\n`,
  );
  process.exit(1);
}
