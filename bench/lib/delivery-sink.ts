import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Each message the bench sends carries `bench-<tag>-<n>` in its text: the tag names one run. */
export function marker(tag: string, n: number): string {
  return `bench-${tag}-${n}`;
}
const MARKER = /\bbench-([a-z0-9]+)-(\d+)\b/;

/**
 * What every receiver of the bench counts, per message marker: the first delivery of each (and
 * when it arrived), duplicates, and deliveries of another run (stray) or with no marker
 * (malformed). Only the current run's tag counts; a late delivery from an earlier run is stray.
 * The HTTP sink below and the loopback SMSC (smsc.ts) both count through it, so the report reads
 * either the same way.
 */
export class MarkerCount {
  private tag = '';
  /** Marker number → performance.now() of its first delivery. */
  private readonly first = new Map<number, number>();
  duplicates = 0;
  stray = 0;
  malformed = 0;

  /** Starts counting for a new run, forgetting the last one. */
  begin(tag: string): void {
    this.tag = tag;
    this.first.clear();
    this.duplicates = 0;
    this.stray = 0;
    this.malformed = 0;
  }

  /** Counts one delivery whose text is `text` (undefined: none could be read). */
  protected take(text: string | undefined): void {
    const at = performance.now();
    const match = text === undefined ? null : MARKER.exec(text);
    if (!match) {
      this.malformed++;
      return;
    }
    if (match[1] !== this.tag) {
      this.stray++;
      return;
    }
    const n = Number(match[2]);
    if (this.first.has(n)) this.duplicates++;
    else this.first.set(n, at);
  }

  /** When message `n` of the current run first arrived, if it has. */
  arrival(n: number): number | undefined {
    return this.first.get(n);
  }

  get delivered(): number {
    return this.first.size;
  }

  /**
   * Waits until every message in `expected` has arrived, or until nothing new has arrived for
   * `idleMs` (what is still missing then is lost), or `capMs` has passed.
   */
  async drain(expected: number[], idleMs: number, capMs: number): Promise<void> {
    const deadline = performance.now() + capMs;
    let seen = -1;
    let lastProgress = performance.now();
    for (;;) {
      const missing = expected.some((n) => !this.first.has(n));
      if (!missing) return;
      const now = performance.now();
      if (this.first.size !== seen) {
        seen = this.first.size;
        lastProgress = now;
      }
      if (now - lastProgress > idleMs || now > deadline) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * The HTTP SMSC of the http leg: a loopback HTTP server that answers 200 at once and counts
 * deliveries per message marker. It takes a JSON POST (`body` or `text`: otpline's webhook
 * provider, the in-memory gateway) and a GET with `text` in the query (Kannel's generic HTTP SMSC).
 */
export class DeliverySink extends MarkerCount {
  readonly leg = 'http';
  private readonly server: Server;

  private constructor() {
    super();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
        this.take(req.method === 'GET' ? textOfQuery(req.url) : textOfJson(Buffer.concat(chunks)));
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  static async start(): Promise<DeliverySink> {
    const sink = new DeliverySink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function textOfQuery(url: string | undefined): string | undefined {
  return new URL(url ?? '/', 'http://sink').searchParams.get('text') ?? undefined;
}

function textOfJson(raw: Buffer): string | undefined {
  try {
    const message = JSON.parse(raw.toString('utf8')) as { body?: unknown; text?: unknown };
    const text = message.body ?? message.text;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}
