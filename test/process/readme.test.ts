import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { configTable, providerTable } from '../../src/config/table.js';
import { runOtpline, waitHealthy } from '../helpers/process.js';
import { freePort } from '../helpers/server.js';

const root = resolve(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function between(start: string, end: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  assert.ok(from >= 0 && to > from, `README has ${start} ... ${end}`);
  return readme.slice(from + start.length, to);
}

describe('README', () => {
  it('starts with the two commands: run and test', () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstBlock, /^npm ci && npm start\b/m);
    assert.match(firstBlock, /^npm test\b/m);
  });

  it('has the configuration table the schema writes (npm run docs:config)', () => {
    assert.equal(between('<!-- config-table:start -->', '<!-- config-table:end -->').trim(), configTable());
  });

  it('has the provider table the drivers write (npm run docs:config)', () => {
    assert.equal(
      between('<!-- provider-table:start -->', '<!-- provider-table:end -->').trim(),
      providerTable(),
    );
  });

  it("runs the walk-through's curl commands against a fresh otpline and gets a verified id_token", {
    timeout: 60_000,
  }, async () => {
    const script = between('<!-- walkthrough:start -->', '<!-- walkthrough:end -->')
      .split('\n')
      .filter((line) => !line.startsWith('```') && !line.startsWith('<!--'))
      .join('\n');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'otpline-readme-'));
    const server = runOtpline(['start'], {
      OTPLINE_PORT: String(port),
      OTPLINE_DATA_DIR: join(dir, 'data'),
      OTPLINE_LOG_LEVEL: 'warn',
    });
    const serverOut = () => server.output();
    try {
      await waitHealthy(`http://localhost:${port}`, server);
      const shell = spawn(
        'bash',
        [
          '-e',
          '-o',
          'pipefail',
          '-c',
          script.replace('OTPLINE=http://localhost:3000', `OTPLINE=http://localhost:${port}`),
        ],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, NODE_PATH: join(root, 'node_modules') },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      shell.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      shell.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      // Type each code the way a person would: read it off the otpline terminal when it appears.
      const codes =
        /\[otpline sms\] to \+12223334444 from \+11111111111: Your one time password is > (\d{6})/g;
      let typed = 0;
      await new Promise<void>((resolveCodes, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`codes not printed: ${serverOut()}\n${out}`)),
          30_000,
        );
        const look = () => {
          const seen = [...serverOut().matchAll(codes)].map((m) => m[1]);
          while (typed < seen.length) shell.stdin.write(`${seen[typed++]}\n`);
          if (typed >= 2) {
            clearTimeout(timer);
            resolveCodes();
          } else setTimeout(look, 50);
        };
        look();
      });
      shell.stdin.end();
      const exitCode = await new Promise<number | null>((r) => shell.on('close', r));
      assert.equal(exitCode, 0, out);
      assert.match(
        out,
        /"_id":"[0-9a-f]{24}","phone_number":"\+12223334444","request_language":null,"phone_verified":false/,
      );
      assert.match(out, /"token_type":"bearer"/);
      assert.match(out, /verified id_token: sms\|[0-9a-f]{24} \+12223334444 phone_verified = true/);
      assert.match(
        out,
        /"sub":"sms\|[0-9a-f]{24}","name":"\+12223334444","phone_number":"\+12223334444","phone_verified":true/,
      );
      // Step 7: the OTP grant with a form body, the phone's "+" intact.
      const granted = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
      assert.equal(granted.token_type, 'Bearer', out);
      assert.match(granted.id_token, /^eyJ/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
