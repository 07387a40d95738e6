import type { MarkerCount } from './delivery-sink.js';
import type { Leg } from './gateway-target.js';
import { percentile } from './load.js';
import { markdownTable } from './markdown.js';
import { cell, groupBy, type Spread, spread } from './repeat.js';
import type { SendResult } from './senders.js';

export interface GatewayFigures {
  name: string;
  /** How it delivered: to the HTTP sink or over SMPP to the SMSC. */
  leg: Leg;
  senders: number;
  notes: string[];
  messages: number;
  accepted: number;
  /** 2xx answers per second, first request → last acceptance. */
  acceptPerSecond: number;
  /** Accepted messages delivered per second, first request → the last of them at the sink. */
  endToEndPerSecond: number;
  latencyMs: Record<'accept' | 'delivery', { p50: number; p99: number; max: number }>;
  /** Accepted, never delivered (within the drain). */
  lost: number;
  /** Deliveries beyond the first of a message. */
  duplicated: number;
  /** Accepted messages not yet delivered when the last one was accepted: how far delivery lags. */
  backlogAtLastAccept: number;
  errors: Record<string, number>;
  errorSamples: Record<string, string>;
  peakRssMb: number;
  cpuMsPerMessage: number;
  loadClientCores: number;
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : Number.NaN);

export function gatewayFigures(
  base: { name: string; leg: Leg; senders: number; notes: string[]; messages: number },
  sent: SendResult,
  sink: MarkerCount,
  extra: { peakRssMb: number; serverCpuSeconds: number; clientCpuSeconds: number },
): GatewayFigures {
  const arrivals: number[] = [];
  const delivery: number[] = [];
  sent.accepted.forEach((n, i) => {
    const at = sink.arrival(n);
    if (at === undefined) return;
    arrivals.push(at);
    delivery.push(at - (sent.sentAt[i] ?? at));
  });
  const lastArrival = arrivals.reduce((a, b) => Math.max(a, b), sent.begin);
  const latency = (samples: number[]) => ({
    p50: round(percentile(samples, 50), 2),
    p99: round(percentile(samples, 99), 2),
    max: round(percentile(samples, 100), 2),
  });
  return {
    ...base,
    accepted: sent.accepted.length,
    acceptPerSecond: round((sent.accepted.length * 1000) / Math.max(1, sent.lastAccept - sent.begin)),
    endToEndPerSecond: round((arrivals.length * 1000) / Math.max(1, lastArrival - sent.begin)),
    latencyMs: { accept: latency(sent.acceptMs), delivery: latency(delivery) },
    lost: sent.accepted.length - arrivals.length,
    duplicated: sink.duplicates,
    backlogAtLastAccept: sent.accepted.length - arrivals.filter((at) => at <= sent.lastAccept).length,
    errors: sent.errors,
    errorSamples: sent.errorSamples,
    peakRssMb: round(extra.peakRssMb),
    cpuMsPerMessage: round((extra.serverCpuSeconds * 1000) / Math.max(1, sent.accepted.length), 3),
    loadClientCores: round(
      extra.clientCpuSeconds / ((Math.max(lastArrival, sent.end) - sent.begin) / 1000),
      2,
    ),
  };
}

/**
 * otpline's end-to-end and accept rates over each peer's, per leg and sender count. Keys of the
 * http leg are as they were before there were legs (`otpline/kannel @32 end-to-end`); the smpp
 * leg's name it (`otpline/kannel @32 smpp end-to-end`).
 */
export function gatewayRatios(all: GatewayFigures[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const ours of all.filter((f) => f.name === 'otpline')) {
    const peers = all.filter((f) => f.name !== 'otpline' && f.senders === ours.senders && f.leg === ours.leg);
    for (const theirs of peers) {
      const key = `otpline/${theirs.name} @${ours.senders}${ours.leg === 'http' ? '' : ` ${ours.leg}`}`;
      out[`${key} end-to-end`] = theirs.endToEndPerSecond
        ? round(ours.endToEndPerSecond / theirs.endToEndPerSecond, 2)
        : null;
      out[`${key} accept`] = theirs.acceptPerSecond
        ? round(ours.acceptPerSecond / theirs.acceptPerSecond, 2)
        : null;
    }
  }
  return out;
}

export function gatewayTable(all: GatewayFigures[]): string {
  const pair = (l: { p50: number; p99: number }) => `${l.p50} / ${l.p99}`;
  const rows = [
    [
      'server',
      'leg',
      'senders',
      'accept/s',
      'end-to-end/s',
      'accept p50/p99 ms',
      'delivery p50/p99 ms',
      'lost',
      'dup',
      'errors',
      'backlog',
      'peak RSS MB',
      'CPU ms/msg',
    ],
    ...all.map((f) => [
      f.name,
      f.leg,
      String(f.senders),
      String(f.acceptPerSecond),
      String(f.endToEndPerSecond),
      pair(f.latencyMs.accept),
      pair(f.latencyMs.delivery),
      String(f.lost),
      String(f.duplicated),
      String(Object.values(f.errors).reduce((a, b) => a + b, 0)),
      String(f.backlogAtLastAccept),
      String(f.peakRssMb),
      String(f.cpuMsPerMessage),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const [head, ...body] = rows;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

/** A gateway at one sender count, as the ratios name it: `otpline @32`, `otpline @32 smpp`. */
export const gatewayKey = (f: GatewayFigures) =>
  `${f.name} @${f.senders}${f.leg === 'http' ? '' : ` ${f.leg}`}`;

export interface GatewaySpread {
  name: string;
  leg: Leg;
  senders: number;
  acceptPerSecond: Spread;
  endToEndPerSecond: Spread;
  p99Ms: Record<'accept' | 'delivery', Spread>;
}

/** Each gateway's rates and p99s at each sender count, over the runs (--runs). */
export function gatewaySpreads(runs: readonly GatewayFigures[][]): Record<string, GatewaySpread> {
  return Object.fromEntries(
    [...groupBy(runs.flat(), gatewayKey)].map(([key, mine]) => {
      const { name, leg, senders } = mine[0] as GatewayFigures;
      const rate = (figure: (f: GatewayFigures) => number) => spread(mine.map(figure), 1);
      const p99 = (step: 'accept' | 'delivery') => spread(mine.map((f) => f.latencyMs[step].p99));
      return [
        key,
        {
          name,
          leg,
          senders,
          acceptPerSecond: rate((f) => f.acceptPerSecond),
          endToEndPerSecond: rate((f) => f.endToEndPerSecond),
          p99Ms: { accept: p99('accept'), delivery: p99('delivery') },
        },
      ];
    }),
  );
}

export function gatewaySpreadTable(spreads: Record<string, GatewaySpread>): string {
  const rows = [
    ['server', 'leg', 'senders', 'accept/s', 'end-to-end/s', 'accept p99 ms', 'delivery p99 ms'],
    ...Object.values(spreads).map((s) => [
      s.name,
      s.leg,
      String(s.senders),
      cell(s.acceptPerSecond),
      cell(s.endToEndPerSecond),
      cell(s.p99Ms.accept),
      cell(s.p99Ms.delivery),
    ]),
  ];
  return markdownTable(rows);
}
