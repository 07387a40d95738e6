import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { freePort, type ServerProcess, spawnProcess } from '../lib/child.js';
import type { GatewayTarget, Receiver } from '../lib/gateway-target.js';
import { call } from '../lib/http.js';

const BEARERBOX = '/usr/sbin/bearerbox';
const SMSBOX = '/usr/sbin/smsbox';
/** `spool` (a file per message, no fsync) or `file` (one append-only file, rewritten periodically). */
const STORE = process.env.BENCH_KANNEL_STORE === 'file' ? 'file' : 'spool';

/** Installs the Debian package when it is missing and this is root with apt; else says why not. */
async function unavailable(): Promise<string | undefined> {
  if (existsSync(BEARERBOX) && existsSync(SMSBOX)) return undefined;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (apt.status !== 0)
    return `${BEARERBOX} is missing and apt-get is not available: install Kannel to compare`;
  if (process.getuid?.() !== 0)
    return `${BEARERBOX} is missing: run 'sudo apt-get install -y kannel' to compare`;
  process.stderr.write('kannel: not installed; running apt-get install -y kannel\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', 'kannel'], { stdio: 'inherit', env });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    install = spawnSync('apt-get', ['install', '-y', 'kannel'], { stdio: 'inherit', env });
  }
  return install.status === 0 && existsSync(BEARERBOX) ? undefined : 'apt-get install kannel failed';
}

/**
 * The one SMSC Kannel delivers through (with two, it would share messages between them): its
 * generic HTTP SMSC calling the sink, or an SMPP transceiver bind to the loopback SMSC
 * (max-pending-submits, its window, left at its default of 10, as otpline's windowSize).
 */
function smscGroup(receiver: Receiver, httpPort: number): string {
  if (receiver.leg === 'smpp')
    return `group = smsc
smsc = smpp
smsc-id = smsc
host = ${receiver.host}
port = ${receiver.port}
transceiver-mode = true
smsc-username = ${receiver.account.systemId}
smsc-password = ${receiver.account.password}
system-type = ${receiver.account.systemType}
`;
  return `group = smsc
smsc = http
smsc-id = sink
system-type = generic
status-success-regex = "^OK"
send-url = "${receiver.origin}/kannel?to=%p&text=%a"
port = ${httpPort}
connect-allow-ip = "127.0.0.1"
`;
}

function config(
  dir: string,
  receiver: Receiver,
  ports: Record<'admin' | 'box' | 'smsc' | 'sendsms', number>,
  password: string,
) {
  return `group = core
admin-port = ${ports.admin}
admin-password = ${password}
status-password = ${password}
admin-allow-ip = "127.0.0.1"
smsbox-port = ${ports.box}
box-allow-ip = "127.0.0.1"
log-file = "${join(dir, 'bearerbox.log')}"
log-level = 2
store-type = ${STORE}
store-location = "${join(dir, 'store')}"

${smscGroup(receiver, ports.smsc)}
group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${ports.sendsms}
global-sender = "12345"
log-file = "${join(dir, 'smsbox.log')}"
log-level = 2

group = sendsms-user
username = bench
password = ${password}
`;
}

/** Polls bearerbox's status page until `ready` holds for it. */
async function waitStatus(
  adminOrigin: string,
  password: string,
  boxes: ServerProcess[],
  ready: (status: string) => boolean,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`${adminOrigin}/status.txt?password=${password}`).then(
      (r) => r.text(),
      () => '',
    );
    if (ready(status)) return;
    if (Date.now() > deadline)
      throw new Error(`kannel never came online:\n${status}\n${boxes.map((b) => b.output()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Kannel 1.4.5 (Debian): sendsms over HTTP → bearerbox and its store → its generic HTTP SMSC → the
 * sink, or → its SMPP SMSC (a transceiver bind) → the loopback SMSC.
 */
export const kannel: GatewayTarget = {
  name: 'kannel',
  legs: ['http', 'smpp'],
  notes: (leg) => [
    `bearerbox + smsbox, store-type = ${STORE} (store-location in a temp dir); ${
      leg === 'http'
        ? 'generic HTTP SMSC whose send-url is the sink'
        : 'smsc = smpp with transceiver-mode = true bound to the SMSC, default max-pending-submits (10)'
    }; log-level 2; other settings default`,
  ],
  unavailable,
  async launch(receiver, senders) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-kannel-'));
    mkdirSync(join(dir, 'store'));
    const password = randomBytes(12).toString('hex');
    const ports = {
      admin: await freePort(),
      box: await freePort(),
      smsc: await freePort(),
      sendsms: await freePort(),
    };
    const file = join(dir, 'kannel.conf');
    writeFileSync(file, config(dir, receiver, ports, password));
    const env = { PATH: process.env.PATH ?? '' };
    const admin = `http://127.0.0.1:${ports.admin}`;
    const processes = [spawnProcess(BEARERBOX, ['-v', '2', file], env, dir)];
    const stop = async () => {
      for (const box of [...processes].reverse()) await box.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      // smsbox gives up at once if bearerbox is not listening yet.
      await waitStatus(admin, password, processes, (status) => /online/.test(status));
      processes.push(spawnProcess(SMSBOX, ['-v', '2', file], env, dir));
      await waitStatus(admin, password, processes, (status) => /smsbox:.*\(on-line/.test(status));
    } catch (err) {
      await stop();
      throw err;
    }
    const pool = new Pool(`http://127.0.0.1:${ports.sendsms}`, {
      connections: senders,
      keepAliveTimeout: 60_000,
    });
    // dpkg-query's own format field, not a JavaScript placeholder.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query syntax
    const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'kannel'], {
      encoding: 'utf8',
    }).stdout;
    return {
      processes,
      facts: version ? [`kannel ${version} (dpkg)`] : [],
      async send(message) {
        const query = new URLSearchParams({
          username: 'bench',
          password,
          to: message.phone,
          text: message.text,
        });
        await call(pool, 'accept', { method: 'GET', path: `/cgi-bin/sendsms?${query}` });
      },
      async close() {
        await pool.close();
        await stop();
      },
    };
  },
};
