// Gateway throughput: closed-loop senders submit messages to each gateway in turn (otpline, Kannel,
// an in-memory ceiling), in one run, and one sink counts what each delivers. Usage:
//   npx tsx bench/gateway.ts [--messages 5000] [--senders 32[,128]] [--warmup N]
//                            [--only otpline,kannel,in-memory] [--no-save] [--strict]
// --strict exits 1 when any gateway loses, duplicates or refuses a message (the smoke run).
// Figures are written to bench/results/<date>-gateway.json.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DeliverySink } from './lib/delivery-sink.js';
import { type GatewayFigures, gatewayFigures, gatewayRatios, gatewayTable } from './lib/gateway-report.js';
import type { GatewayTarget } from './lib/gateway-target.js';
import { phoneSequence } from './lib/phones.js';
import { machine, save } from './lib/report.js';
import { runSenders } from './lib/senders.js';
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
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const messages = Number(values.messages);
const senderCounts = (values.senders ?? '').split(',').map(Number);
const warmup = values.warmup !== undefined ? Number(values.warmup) : messages >= 2000 ? 500 : 0;
const only = values.only?.split(',');
const targets = only ? TARGETS.filter((t) => only.includes(t.name)) : TARGETS;
if (!(messages > 0 && warmup >= 0 && senderCounts.every((n) => n > 0)) || targets.length === 0) {
  process.stderr.write(
    'usage: bench/gateway.ts [--messages N] [--senders N[,N]] [--warmup N] [--only a,b]\n',
  );
  process.exit(2);
}

const cpu = (t: { processes: { cpuSeconds(): number }[] }) =>
  t.processes.reduce((sum, p) => sum + p.cpuSeconds(), 0);

async function measure(target: GatewayTarget, sink: DeliverySink, senders: number): Promise<GatewayFigures> {
  process.stderr.write(`${target.name}: starting (${senders} senders)\n`);
  const launched = await target.launch(sink, senders);
  try {
    const nextPhone = phoneSequence();
    if (warmup > 0) {
      const tag = `${randomBytes(4).toString('hex')}w`;
      sink.begin(tag);
      const sent = await runSenders(launched.send, { senders, messages: warmup, tag, nextPhone });
      await sink.drain(sent.accepted, 5_000, 30_000);
    }
    process.stderr.write(
      `${target.name}: ${messages} messages at ${senders} senders (after ${warmup} warm-up)\n`,
    );
    const tag = randomBytes(4).toString('hex');
    sink.begin(tag);
    const serverCpu = cpu(launched);
    const clientCpu = process.cpuUsage();
    const sent = await runSenders(launched.send, { senders, messages, tag, nextPhone });
    await sink.drain(sent.accepted, 15_000, 300_000);
    const client = process.cpuUsage(clientCpu);
    return gatewayFigures(
      { name: target.name, senders, notes: [...target.notes, ...(launched.facts ?? [])], messages },
      sent,
      sink,
      {
        peakRssMb: launched.processes.reduce((sum, p) => sum + p.peakRssMb(), 0),
        serverCpuSeconds: cpu(launched) - serverCpu,
        clientCpuSeconds: (client.user + client.system) / 1e6,
      },
    );
  } catch (err) {
    process.stderr.write(`${target.name} output:\n${launched.processes.map((p) => p.output()).join('\n')}\n`);
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

const sink = await DeliverySink.start();
const results: GatewayFigures[] = [];
try {
  for (const senders of senderCounts) {
    for (const target of targets)
      if (!skipped[target.name]) results.push(await measure(target, sink, senders));
  }
} finally {
  await sink.close();
}

const ratio = gatewayRatios(results);
process.stdout.write(`\nGateway throughput, ${messages} messages per run\n${gatewayTable(results)}\n\n`);
for (const [name, value] of Object.entries(ratio)) process.stdout.write(`${name}: ${value}x\n`);
for (const [name, reason] of Object.entries(skipped)) process.stdout.write(`${name}: skipped: ${reason}\n`);
const notes = new Map(results.map((f) => [f.name, f.notes]));
for (const [name, list] of notes) for (const note of list) process.stdout.write(`${name}: ${note}\n`);
for (const f of results) {
  if (Object.keys(f.errors).length)
    process.stdout.write(`${f.name} @${f.senders} errors: ${JSON.stringify(f.errors)}\n`);
  for (const [kind, sample] of Object.entries(f.errorSamples)) process.stdout.write(`  ${kind}: ${sample}\n`);
}
const loadCores = results.map((f) => `${f.name}@${f.senders} ${f.loadClientCores}`).join(', ');
process.stdout.write(`load client + sink CPU (cores): ${loadCores}\n`);

if (!values['no-save']) {
  const file = save(
    {
      date: new Date().toISOString(),
      command: [
        process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}:` : '',
        `tsx bench/gateway.ts ${process.argv.slice(2).join(' ')}`,
      ]
        .join(' ')
        .trim(),
      machine: machine(),
      // A string: a short array would be folded onto one line by the formatter, which checks bench/results too.
      options: { messages, senders: senderCounts.join(','), warmup },
      ratios: ratio,
      skipped,
      results,
    },
    'gateway',
  );
  process.stdout.write(`results: ${file}\n`);
}

const failed = results.filter(
  (f) =>
    f.accepted === 0 ||
    (values.strict && (f.lost > 0 || f.duplicated > 0 || Object.keys(f.errors).length > 0)),
);
if (failed.length) {
  process.stderr.write(`failed: ${failed.map((f) => `${f.name}@${f.senders}`).join(', ')}\n`);
  process.exit(1);
}
