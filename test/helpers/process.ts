import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './server.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface OtplineProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the real command-line program (`otpline <args>`) with exactly the environment given. */
export function runOtpline(args: string[], env: Record<string, string>): OtplineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child, (signal) => child.kill(signal));
}

/** The same, on a terminal of its own (util-linux `script`), as when a person runs it in a shell. */
export function runOtplineInTerminal(args: string[], env: Record<string, string>): OtplineProcess {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].join(' ');
  const child = spawn('script', ['-qefc', `exec ${command}`, '/dev/null'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  return track(child, (signal) => child.pid !== undefined && process.kill(-child.pid, signal));
}

function track(child: ChildProcess, kill: (signal: NodeJS.Signals) => void): OtplineProcess {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) kill(signal);
      return exited;
    },
  };
}

/** Polls `/healthz` until it answers 200; fails with the program's output if it never does. */
export async function waitHealthy(base: string, proc: OtplineProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`otpline did not become healthy:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A free port and `config` written to a file in `dir`: the base URL, and the environment that
 * starts otpline there (its data in `dir/data`). Add the test's own variables to `env`.
 */
export async function otplineIn(
  dir: string,
  config: Record<string, unknown>,
): Promise<{ base: string; env: Record<string, string> }> {
  const port = await freePort();
  const configFile = join(dir, 'otpline.json');
  writeFileSync(configFile, JSON.stringify(config));
  return {
    base: `http://localhost:${port}`,
    env: { OTPLINE_PORT: String(port), OTPLINE_DATA_DIR: join(dir, 'data'), OTPLINE_CONFIG: configFile },
  };
}
