import { runLogins } from './load.js';
import { phoneSequence } from './phones.js';
import { figures, type ServerFigures } from './report.js';
import type { SmsSink } from './sink.js';
import type { Launched } from './target.js';

export interface Window {
  vus: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * Closed-loop logins against a launched server, as bench/logins.ts measures them: the server's and
 * the load client's CPU counted over the measured window only. The caller closes the server.
 */
export async function measureLogins(
  name: string,
  notes: string[],
  launched: Launched,
  sink: SmsSink,
  window: Window,
): Promise<ServerFigures> {
  const at = { server: Number.NaN, serverEnd: Number.NaN, client: process.cpuUsage() };
  let client: NodeJS.CpuUsage | undefined;
  const begin = setTimeout(() => {
    at.server = launched.server.cpuSeconds();
    at.client = process.cpuUsage();
  }, window.warmupSeconds * 1000);
  // At the end of the window, or when the load stops if that comes first (a timer may fire late).
  const closeWindow = () => {
    if (client) return;
    at.serverEnd = launched.server.cpuSeconds();
    client = process.cpuUsage(at.client);
  };
  const end = setTimeout(closeWindow, (window.warmupSeconds + window.seconds) * 1000);
  try {
    const load = await runLogins(launched.protocol, sink, { ...window, nextPhone: phoneSequence() });
    closeWindow();
    return figures(name, [...notes, ...(launched.facts ?? [])], load, {
      peakRssMb: launched.server.peakRssMb(),
      serverCpuSeconds: at.serverEnd - at.server,
      clientCpuSeconds: client ? (client.user + client.system) / 1e6 : Number.NaN,
      wallSeconds: window.seconds,
    });
  } catch (err) {
    process.stderr.write(`${name} output:\n${launched.server.output()}\n`);
    throw err;
  } finally {
    clearTimeout(begin);
    clearTimeout(end);
    sink.reset();
  }
}
