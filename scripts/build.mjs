// Builds dist/ from src/ with tsc and makes the CLI executable (so `npx otpline` works in a clone),
// then the dashboard from admin/ with vite into dist/admin-ui/ (served at /admin/).
// With --if-stale (what `npm start` runs), it does nothing when no source changed since the last build.
// With --admin (what the test runner runs), it builds only the dashboard.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const inputs = ['src', 'admin', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const adminDir = join(root, 'admin');
const adminStamp = join(dist, 'admin-ui', '.build-stamp');

/** The dashboard, with vite (a devDependency: a clone has it; the published package ships the result). */
async function buildDashboard() {
  const { build } = await import('vite');
  await build({ root: adminDir, configFile: join(adminDir, 'vite.config.ts') });
  writeFileSync(adminStamp, `${new Date().toISOString()}\n`);
}

if (process.argv.includes('--admin')) {
  const stale =
    !existsSync(adminStamp) ||
    newestMtime(adminDir) > statSync(adminStamp).mtimeMs ||
    !process.argv.includes('--if-stale');
  if (stale) {
    process.stderr.write('otpline: building the dashboard (admin/ → dist/admin-ui/)\n');
    await buildDashboard();
  }
  process.exit(0);
}

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (Math.max(...inputs.map((p) => newestMtime(join(root, p)))) <= built) process.exit(0);
}

process.stderr.write('otpline: building dist/ from src/ (once; later starts reuse it)\n');
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
chmodSync(join(dist, 'cli', 'main.js'), 0o755);
await buildDashboard();
writeFileSync(stamp, `${new Date().toISOString()}\n`);
