import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A server under test, run as a child process so that its memory is its own. */
export interface ServerProcess {
  readonly pid: number;
  output(): string;
  /** Peak resident set (VmHWM) in MB so far, read from /proc; NaN where there is no /proc. */
  peakRssMb(): number;
  /** CPU time (user + system) it has used so far, in seconds; NaN where there is no /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux). */
function cpuTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * A Node.js server of the bench. `BENCH_NODE_ARGS` go before its script, to profile it:
 * `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only otpline`.
 */
export function spawnServer(args: string[], env: Record<string, string>, cwd: string): ServerProcess {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnProcess(process.execPath, [...nodeArgs, ...args], env, cwd);
}

/** Any program (Kannel's boxes, say) run the same way: its output kept, its memory and CPU read from /proc. */
export function spawnProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): ServerProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
  const pid = child.pid;
  return {
    pid,
    output: () => out,
    peakRssMb: () => peakRss(pid),
    cpuSeconds: () => cpuTime(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx; fails with the process's output if it never does. */
export async function waitReady(url: string, server: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} never became ready:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
