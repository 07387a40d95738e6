import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
  /** When it arrived (Date.now()). */
  at: number;
}

/**
 * A real HTTP server on loopback standing in for an SMS gateway or webhook receiver: it records
 * every POST and answers with the status the test chooses (a queue of statuses, then a default).
 */
export class SmsSink {
  readonly received: ReceivedRequest[] = [];
  private statuses: number[] = [];
  defaultStatus = 200;
  delayMs = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // recorded as raw only
        }
        const status = this.statuses.shift() ?? this.defaultStatus;
        const answer = () => {
          this.received.push({ path: req.url ?? '', headers: req.headers, body, raw, at: Date.now() });
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `sink-${this.received.length}` }));
          this.waiters = this.waiters.filter((w) => {
            if (this.received.length >= w.count) w.resolve();
            return this.received.length < w.count;
          });
        };
        if (this.delayMs) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
  }

  static async start(): Promise<SmsSink> {
    const sink = new SmsSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next requests get these statuses, in order. */
  respondWith(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  /** Resolves once `count` requests have arrived in all; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`sink got ${this.received.length} of ${count} requests`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  last(): ReceivedRequest {
    const last = this.received[this.received.length - 1];
    if (!last) throw new Error('the sink received nothing');
    return last;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The digits of the code inside a message body. */
export function codeIn(text: unknown): string {
  const match = /(\d{4,40})/.exec(String(text));
  if (!match?.[1]) throw new Error(`no code in "${String(text)}"`);
  return match[1];
}
