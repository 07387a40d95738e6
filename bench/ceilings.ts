// Ceilings: what bounds the other benches' figures on this machine, measured in one run. The
// signing rate of each id_token algorithm otpline supports (jose, keys as otpline makes them), the
// disk's fsyncs and SQLite commits per second in the benches' data directory, and the load client
// alone against a bare node:http route. Usage:
//   npx tsx bench/ceilings.ts [--seconds 2] [--http-seconds 5] [--concurrency 32] [--no-save]
// Exits 1 when any item fails or errs. Figures are written to bench/results/<date>-ceilings.json.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { exportJWK, generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose';
import { freePort, spawnServer, waitReady } from './lib/child.js';
import { compilePeer, root } from './lib/compile.js';
import { LoadClient } from './lib/http.js';
import { markdownTable } from './lib/markdown.js';
import { closedLoop, type Rate } from './lib/rate.js';
import { benchCommand, machine, save } from './lib/report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    'http-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    'no-save': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const httpSeconds = Number(values['http-seconds']);
const concurrency = Number(values.concurrency);
if (!(seconds > 0 && httpSeconds > 0 && concurrency > 0)) {
  process.stderr.write('usage: bench/ceilings.ts [--seconds N] [--http-seconds N] [--concurrency N]\n');
  process.exit(2);
}
/** Signatures in flight at once: enough to keep every libuv threadpool thread busy. */
const POOL_IN_FLIGHT = 64;
const threadpool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

interface Ceiling extends Rate {
  name: string;
  unit: string;
  detail: string;
  /** The bare HTTP item: cores the load client and the server used over its window. */
  clientCores?: number;
  serverCores?: number;
}
const results: Ceiling[] = [];

/** Measures `op` back to back, `inFlight` at a time, after a short warm-up (JIT, caches). */
async function item(name: string, unit: string, inFlight: number, op: () => unknown, detail = '') {
  process.stderr.write(`${name}\n`);
  await closedLoop(inFlight, Math.min(0.5, seconds / 3), op);
  const ceiling: Ceiling = { name, unit, ...(await closedLoop(inFlight, seconds, op)), detail };
  results.push(ceiling);
  return ceiling;
}

// --- Signing: the id_token claims otpline signs, with a key made and imported as otpline does.
const iat = Math.floor(Date.now() / 1000);
const claims: JWTPayload = {
  sub: `sms|${randomBytes(12).toString('hex')}`,
  aud: randomBytes(16).toString('hex'),
  name: '+12015550123',
  phone_number: '+12015550123',
  phone_verified: true,
  updated_at: new Date().toISOString(),
};
const issuer = 'http://127.0.0.1:3000/';
const rsa = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const kid = randomBytes(11).toString('hex');
const rsaKey = await importJWK({ ...(await exportJWK(rsa.privateKey)), kid, alg: 'RS256' }, 'RS256');
// A client secret as otpline makes them (newSecret: 48 random bytes, base64url); encoded on every
// signature, as TokenService.idToken does.
const clientSecret = randomBytes(48).toString('base64url');
const signers: Record<string, () => Promise<string>> = {
  RS256: () =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 36_000)
      .sign(rsaKey),
  HS256: () =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 36_000)
      .sign(new TextEncoder().encode(clientSecret)),
};
const signing: Record<string, number> = {};
for (const [alg, sign] of Object.entries(signers)) {
  await item(`${alg} sign, 1 at a time`, 'signatures/s', 1, sign, 'one at a time: one core at most');
  const pooled = await item(
    `${alg} sign, ${POOL_IN_FLIGHT} in flight`,
    'signatures/s',
    POOL_IN_FLIGHT,
    sign,
    `WebCrypto jobs on the libuv threadpool (${threadpool} threads)`,
  );
  signing[alg] = pooled.perSecond;
}

/** The mount holding `path`: its filesystem type and device, from /proc/mounts. */
function filesystem(path: string): string {
  try {
    const real = realpathSync(path);
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, at]) => at && (real === at || real.startsWith(at === '/' ? '/' : `${at}/`)))
      .sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0));
    const [device, at, type] = mounts[0] ?? [];
    return `${tmpdir()} on ${type} (${device} at ${at})`;
  } catch {
    return tmpdir();
  }
}

// --- The disk under os.tmpdir(), where every bench keeps its data.
const dir = mkdtempSync(join(tmpdir(), 'bench-ceilings-'));
const disk = filesystem(dir);
try {
  for (const [sync, label] of [
    [fdatasyncSync, 'fdatasync'],
    [fsyncSync, 'fsync'],
  ] as const) {
    // A 1 MiB file written over and over, 4 KiB at a time, as a checkpointed WAL is reused.
    const fd = openSync(join(dir, `${label}.bin`), 'w');
    const block = Buffer.alloc(4096, 7);
    for (let i = 0; i < 256; i++) writeSync(fd, block, 0, block.length, i * block.length);
    fsyncSync(fd);
    let n = 0;
    const op = () => {
      writeSync(fd, block, 0, block.length, (n++ % 256) * block.length);
      sync(fd);
    };
    await item(`4 KiB write + ${label}`, 'syncs/s', 1, op, disk);
    closeSync(fd);
  }
  for (const synchronous of ['FULL', 'NORMAL']) {
    const db = new Database(join(dir, `commits-${synchronous}.sqlite`));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('create table t (id integer primary key, v text not null)');
    const insert = db.prepare('insert into t (v) values (?)');
    const row = 'x'.repeat(200);
    await item(
      `SQLite commit, WAL, synchronous=${synchronous}`,
      'commits/s',
      1,
      () => insert.run(row),
      synchronous === 'FULL'
        ? 'one-row transactions, each fsynced inside COMMIT'
        : 'no fsync inside COMMIT: otpline then fdatasyncs the WAL off the main thread, once per group',
    );
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// --- The load client alone: the benches' undici pool, closed loop, against a bare route.
const port = await freePort();
const server = spawnServer([compilePeer('bare-http.ts')], { PORT: String(port) }, root);
const origin = `http://127.0.0.1:${port}`;
let http: LoadClient | undefined;
try {
  await waitReady(`${origin}/healthz`, server);
  http = new LoadClient(origin, concurrency);
  const client = http;
  const body = { client_id: 'bench', connection: 'sms', phone_number: '+12015550123', send: 'code' };
  const post = () => client.post('bare', '/passwordless/start', body);
  const name = `bare HTTP POST, ${concurrency} concurrent`;
  process.stderr.write(`${name}\n`);
  await closedLoop(concurrency, Math.min(1, httpSeconds / 2), post); // warm-up: JIT, connections
  const serverCpu = server.cpuSeconds();
  const clientCpu = process.cpuUsage();
  const ceiling: Ceiling = {
    name,
    unit: 'requests/s',
    ...(await closedLoop(concurrency, httpSeconds, post)),
    detail: '',
  };
  results.push(ceiling);
  const used = process.cpuUsage(clientCpu);
  ceiling.clientCores = Number(((used.user + used.system) / 1e6 / httpSeconds).toFixed(2));
  ceiling.serverCores = Number(((server.cpuSeconds() - serverCpu) / httpSeconds).toFixed(2));
  const perRequest = (cores: number) => ((cores * 1000) / Math.max(1, ceiling.perSecond)).toFixed(3);
  ceiling.detail =
    `load client ${ceiling.clientCores} cores (${perRequest(ceiling.clientCores)} ms/request), ` +
    `server ${ceiling.serverCores} cores (${perRequest(ceiling.serverCores)} ms/request)`;
} catch (err) {
  process.stderr.write(`bare-http output:\n${server.output()}\n`);
  throw err;
} finally {
  await http?.close();
  await server.stop();
}

const latency = (ms: number) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`);
const derived: Record<string, number> = {
  'logins/s that RS256 signing allows (2 signatures per login: id_token + access_token)': Math.round(
    (signing.RS256 ?? 0) / 2,
  ),
};
const notes = [
  'the in-memory gateway (HTTP in, an array, HTTP out: no store) is measured by bench:gateway, its in-memory row',
  'the in-memory login server (same protocol and tokens, no store) is measured by bench, its in-memory row',
];
process.stdout.write(
  `\nCeilings on this machine, ${seconds} s per item (${httpSeconds} s for HTTP)\n${markdownTable(
    [
      ['ceiling', 'rate', 'unit', 'p50', 'p99', 'detail'],
      ...results.map((c) => [
        c.name,
        Math.round(c.perSecond).toLocaleString('en-US'),
        c.unit,
        latency(c.p50Ms),
        latency(c.p99Ms),
        c.detail,
      ]),
    ],
    [1, 3, 4],
  )}\n\n`,
);
for (const [name, value] of Object.entries(derived)) process.stdout.write(`${name}: ${value}\n`);
for (const note of notes) process.stdout.write(`${note}\n`);
for (const c of results.filter((r) => r.errors > 0))
  process.stdout.write(`${c.name}: ${c.errors} errors: ${c.error}\n`);

if (!values['no-save']) {
  const file = save(
    {
      date: new Date().toISOString(),
      command: benchCommand('bench/ceilings.ts'),
      machine: machine(),
      options: { seconds, httpSeconds, concurrency, poolInFlight: POOL_IN_FLIGHT, threadpool, disk },
      derived,
      notes,
      results,
    },
    'ceilings',
  );
  process.stdout.write(`results: ${file}\n`);
}

const failed = results.filter((c) => c.ops === 0 || c.errors > 0);
if (failed.length) {
  process.stderr.write(`failed: ${failed.map((c) => c.name).join(', ')}\n`);
  process.exit(1);
}
