// What a newcomer tripped on (issue 5), tried the way they tried it: the parts that run the real
// program (the in-process parts are in test/newcomer.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runOtpline, runOtplineInTerminal, waitHealthy } from '../helpers/process.js';
import { freePort } from '../helpers/server.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('the terminal output', () => {
  async function runAndRequest(env: Record<string, string>, viaTerminal = false) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'otpline-log-'));
    const allEnv = { OTPLINE_PORT: String(port), OTPLINE_DATA_DIR: dir, ...env };
    // `script` gives the program a terminal, as a person's shell would.
    const proc = viaTerminal ? runOtplineInTerminal(['start'], allEnv) : runOtpline(['start'], allEnv);
    try {
      await waitHealthy(`http://localhost:${port}`, proc);
      const client = await fetch(`http://localhost:${port}/.well-known/jwks.json`);
      assert.equal(client.status, 200);
      await fetch(`http://localhost:${port}/nowhere?code=123456`);
      await new Promise((r) => setTimeout(r, 300));
      return proc.output();
    } finally {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('is one readable line per request on a terminal, or with OTPLINE_LOG_FORMAT=pretty', async () => {
    for (const out of [
      await runAndRequest({ OTPLINE_LOG_FORMAT: 'pretty' }),
      await runAndRequest({}, true),
    ]) {
      assert.match(out, /^\d\d:\d\d:\d\d INFO {2}otpline is ready url=http/m, out);
      const requests = out.split(/\r?\n/).filter((l) => /INFO {2}GET \//.test(l));
      assert.deepEqual(
        requests.map((l) => l.replace(/^\S+ /, '').replace(/\([\d.]+ ms\)/, '(ms)')),
        ['INFO  GET /.well-known/jwks.json → 200 (ms)', 'INFO  GET /nowhere → 404 (ms)'],
        out,
      );
      assert.doesNotMatch(out, /^\{"level"/m, 'no JSON lines');
      assert.doesNotMatch(out, /123456/, 'query strings are not logged');
    }
  });

  it('is JSON lines when standard output is not a terminal, one per request', async () => {
    const out = await runAndRequest({});
    const records = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const requests = records.filter((r) => r.msg === 'request');
    assert.deepEqual(
      requests.map((r) => [r.method, r.path, r.status]),
      [
        ['GET', '/.well-known/jwks.json', 200],
        ['GET', '/nowhere', 404],
      ],
    );
  });
});

describe('npm start', () => {
  it('builds once, reuses the build while no source changed, and leaves an executable CLI (npx otpline)', {
    timeout: 120_000,
  }, async () => {
    const build = (...args: string[]) =>
      spawnSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: root, encoding: 'utf8' });
    const first = build();
    assert.equal(first.status, 0, first.stderr);
    const stamp = statSync(join(root, 'dist', '.build-stamp')).mtimeMs;
    const again = build('--if-stale');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stderr, '', 'nothing to build');
    assert.equal(statSync(join(root, 'dist', '.build-stamp')).mtimeMs, stamp);
    const cli = join(root, 'dist', 'cli', 'main.js');
    accessSync(cli, constants.X_OK);
    const help = spawnSync(cli, ['help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /otpline start/);
  });
});
