// Backlog: how fast otpline's outbox drains a queue that built up (a provider outage, a restart
// after one), by the size of that queue. For each size N, otpline is started once (schema, keys),
// stopped, given N queued gateway messages straight in its SQLite file, and started again with the
// webhook provider posting to the HTTP sink; the figure is the rate from the first message at the
// sink to the last (start-up excluded). A worker whose claims cost the same with any backlog drains 10^5 as
// fast as 10^3. Usage:
//   npx tsx bench/backlog.ts [--sizes 1000,10000,100000] [--cap 300] [--no-save] [--strict]
// --cap ends a size's wait after that many seconds (what is missing then is reported). --strict
// exits 1 when a message is missing or delivered twice (the smoke run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { DeliverySink, marker } from './lib/delivery-sink.js';
import { markdownTable } from './lib/markdown.js';
import { pastPhone } from './lib/prefill.js';
import { benchCommand, machine, save } from './lib/report.js';
import { startOtpline } from './targets/otpline.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    cap: { type: 'string', default: '300' },
    'no-save': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const capSeconds = Number(values.cap);
if (!(capSeconds > 0 && sizes.length > 0 && sizes.every((n) => Number.isInteger(n) && n > 0))) {
  process.stderr.write('usage: bench/backlog.ts [--sizes N,N] [--cap seconds] [--no-save] [--strict]\n');
  process.exit(2);
}

/** N gateway messages, queued and due, as POST /gateway/sms stores them; written without journal. */
function queueMessages(file: string, tag: string, count: number): void {
  const db = new Database(file);
  try {
    db.pragma('synchronous = OFF');
    const now = Date.now();
    const insert = db.prepare(
      `insert into messages (id, source, dispatch, encoding, segments, route_step, step_failures,
         connection_id, recipient, country, body, body_redacted, sender, status, attempts,
         next_attempt_at, expires_at, idempotency_key, created_at, updated_at)
       values (?, 'gateway', 'outbox', 'GSM-7', 1, 0, 0, null, ?, 'US', ?, ?, null, 'queued', 0, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let n = 0; n < count; n++) {
        const id = `msg_${now.toString(36)}${String(n).padStart(8, '0')}`;
        const text = `Your code is 1234 ${marker(tag, n)}`;
        // Queued over the last minute, oldest first, as a backlog builds up.
        const at = now - 60_000 + Math.floor((n * 60_000) / count);
        insert.run(id, pastPhone(n), text, text, at, now + 3_600_000, id, at, at);
      }
    })();
  } finally {
    db.close();
  }
}

interface Drain {
  backlog: number;
  delivered: number;
  duplicates: number;
  /** From the first message at the sink to the last. */
  seconds: number;
  msgPerSecond: number;
  peakRssMb: number;
}

const sink = await DeliverySink.start();
const drains: Drain[] = [];
try {
  for (const backlog of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-backlog-'));
    const env = {
      OTPLINE_DATA_DIR: dir,
      OTPLINE_PROVIDER: 'webhook',
      OTPLINE_WEBHOOK_URL: `${sink.origin}/webhook`,
    };
    try {
      await (await startOtpline(env)).stop(); // migrates the schema, makes the keys and secrets
      const tag = `b${backlog}`;
      queueMessages(join(dir, 'otpline.sqlite'), tag, backlog);
      sink.begin(tag);
      process.stderr.write(`otpline: draining ${backlog.toLocaleString('en-US')} queued messages\n`);
      const running = await startOtpline(env);
      try {
        const all = Array.from({ length: backlog }, (_, n) => n);
        await sink.drain(all, 30_000, capSeconds * 1000);
        const arrivals = all.map((n) => sink.arrival(n)).filter((at): at is number => at !== undefined);
        const first = Math.min(...arrivals);
        const last = sink.delivered === backlog ? Math.max(...arrivals) : performance.now();
        const seconds = (last - first) / 1000;
        drains.push({
          backlog,
          delivered: sink.delivered,
          duplicates: sink.duplicates,
          seconds: Math.round(seconds * 100) / 100,
          msgPerSecond: Math.round((sink.delivered - 1) / seconds),
          peakRssMb: Math.round(running.server.peakRssMb() * 10) / 10,
        });
      } finally {
        await running.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await sink.close();
}

const notes = [
  'otpline from dist/, default durability and outbox settings (50 sends in flight), OTPLINE_PROVIDER=webhook posting to the HTTP sink',
  'msg/s counts from the first message at the sink to the last: start-up is left out',
];
process.stdout.write(
  `${markdownTable(
    [
      ['backlog', 'delivered', 'duplicates', 'first to last at the sink, s', 'msg/s', 'peak RSS MB'],
      ...drains.map((d) =>
        [d.backlog, d.delivered, d.duplicates, d.seconds, d.msgPerSecond, d.peakRssMb].map(String),
      ),
    ],
    [0, 1, 2, 3, 4, 5],
  )}\n${notes.map((n) => `otpline: ${n}\n`).join('')}`,
);
if (!values['no-save']) {
  const file = save(
    { command: benchCommand('bench/backlog.ts'), machine: machine(), notes, drains },
    'backlog',
  );
  process.stdout.write(`results: ${file}\n`);
}
const faulty = drains.filter((d) => d.delivered !== d.backlog || d.duplicates > 0);
if (values.strict && faulty.length > 0) {
  process.stderr.write(`missing or duplicated messages: ${JSON.stringify(faulty)}\n`);
  process.exit(1);
}
