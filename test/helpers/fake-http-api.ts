import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeAnswer, FakeProviderApi, ReceivedSend } from './provider-contract.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/** One answer of the provider, as it goes on the wire. `id`: the message id an accepted send is given. */
export interface CannedReply {
  status: number;
  body: string;
  /** Default `application/json`. */
  contentType?: string;
  id?: string;
}

/** A provider's HTTP API as far as a driver's tests need it: how to read a send, how to answer. */
export interface HttpApiModel {
  takesIdempotencyKey: boolean;
  /**
   * How the provider refuses a request it cannot take (wrong path, auth scheme or credentials,
   * content type, a missing or malformed field), or undefined when it would take it. A refused
   * request is recorded in `refused`, not in `received`.
   */
  check?(request: RecordedRequest): CannedReply | undefined;
  /** The common fields of a send, read out of the provider's own request format. */
  read(request: RecordedRequest): Omit<ReceivedSend, 'providerMessageId'>;
  /** The provider's answer of each kind. */
  reply(answer: Exclude<FakeAnswer, 'hang'>, n: number): CannedReply;
}

/**
 * A real HTTP server on loopback speaking one provider's API: it checks and records each request
 * and answers as the test tells it (`answerNext`, `replyNext`), accepting by default; `hang` never
 * answers.
 */
export class FakeHttpApi implements FakeProviderApi {
  readonly answers: readonly FakeAnswer[] = ['accept', 'throttle', 'server_error', 'refuse', 'hang'];
  readonly takesIdempotencyKey: boolean;
  readonly requests: RecordedRequest[] = [];
  readonly received: ReceivedSend[] = [];
  /** Requests the provider would have refused, with the reason it gave. */
  readonly refused: Array<{ request: RecordedRequest; reply: CannedReply }> = [];
  private readonly queue: Array<FakeAnswer | CannedReply> = [];
  private readonly server: Server;

  private constructor(private readonly model: HttpApiModel) {
    this.takesIdempotencyKey = model.takesIdempotencyKey;
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw };
        this.requests.push(request);
        const refusal = this.model.check?.(request);
        if (refusal) {
          this.refused.push({ request, reply: refusal });
          return send(res, refusal);
        }
        const answer = this.queue.shift() ?? 'accept';
        const received: ReceivedSend = { ...this.model.read(request), providerMessageId: null };
        this.received.push(received);
        if (answer === 'hang') return;
        const reply = typeof answer === 'string' ? this.model.reply(answer, this.received.length) : answer;
        received.providerMessageId = reply.id ?? null;
        send(res, reply);
      });
    });
  }

  static async start(model: HttpApiModel): Promise<FakeHttpApi> {
    const api = new FakeHttpApi(model);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answerNext(...answers: FakeAnswer[]): void {
    this.queue.push(...answers);
  }

  /** The next sends get these answers, exactly as given (a provider's own error codes). */
  replyNext(...replies: CannedReply[]): void {
    this.queue.push(...replies);
  }

  /** Resolves once `count` sends have arrived in all. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`the fake API got ${this.received.length} of ${count} sends`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function send(res: ServerResponse, reply: CannedReply): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(reply.body);
}
