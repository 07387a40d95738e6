import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Delivery {
  code: string;
  at: number;
}

/**
 * The SMS gateway every server under test posts to: a loopback HTTP server that takes
 * `{recipient, body}` (Auth0's custom-gateway shape), pulls the code out of the body and hands it
 * to the virtual user waiting for that phone. A message may arrive before the VU starts waiting
 * (otpline calls an external gateway while /passwordless/start is still open), so it is kept.
 */
export class SmsSink {
  private readonly server: Server;
  private readonly arrived = new Map<string, Delivery>();
  private readonly waiting = new Map<string, (delivery: Delivery) => void>();
  received = 0;
  malformed = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        this.take(Buffer.concat(chunks).toString('utf8'));
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  static async start(): Promise<SmsSink> {
    const sink = new SmsSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  private take(raw: string): void {
    const at = performance.now();
    let message: { recipient?: unknown; body?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      this.malformed++;
      return;
    }
    const code = typeof message.body === 'string' ? /(\d{4,10})\D*$/.exec(message.body)?.[1] : undefined;
    if (typeof message.recipient !== 'string' || code === undefined) {
      this.malformed++;
      return;
    }
    this.received++;
    const delivery = { code, at };
    const waiter = this.waiting.get(message.recipient);
    if (waiter) {
      this.waiting.delete(message.recipient);
      waiter(delivery);
    } else this.arrived.set(message.recipient, delivery);
  }

  /** The code sent to `phone`, and when it arrived (performance.now()); rejects after `timeoutMs`. */
  waitFor(phone: string, timeoutMs: number): Promise<Delivery> {
    const early = this.arrived.get(phone);
    if (early) {
      this.arrived.delete(phone);
      return Promise.resolve(early);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(phone);
        reject(new Error(`no SMS for ${phone} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(phone, (delivery) => {
        clearTimeout(timer);
        resolve(delivery);
      });
    });
  }

  /** Forgets messages nobody picked up (between two servers). */
  reset(): void {
    this.arrived.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
