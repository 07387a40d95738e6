import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeAnswer, FakeProviderApi, ReceivedSend } from './provider-contract.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/** An answer written out in full: a provider's own success or error body. */
export interface FakeReply {
  status: number;
  body: string;
  /** The message id an accepted send is given. */
  id?: string;
  /** `application/json` unless given. */
  contentType?: string;
}
/** The same, as the tests that script a provider's own error bodies name it. */
export type ScriptedReply = FakeReply;

/** A provider's HTTP API as far as a driver's tests need it: how to read a send, how to answer. */
export interface HttpApiModel {
  takesIdempotencyKey: boolean;
  /**
   * Checks a request the way the provider would (path, auth, signature, content type, required
   * fields): a wrong one gets the provider's own refusal, is kept in `refusals`, is not a send and
   * takes no queued answer.
   */
  check?(request: RecordedRequest): FakeReply | undefined;
  /** The common fields of a send, read out of the provider's own request format. */
  read(request: RecordedRequest): Omit<ReceivedSend, 'providerMessageId'>;
  /** The provider's answer of each kind; `id` is the message id an accepted send is given. */
  reply(answer: Exclude<FakeAnswer, 'hang'>, n: number): FakeReply;
}

function send(res: ServerResponse, reply: FakeReply): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(reply.body);
}

/**
 * A real HTTP server on loopback speaking one provider's API: it records each request and
 * answers as the test tells it (`answerNext`, `replyNext`), accepting by default; `hang` never answers.
 */
export class FakeHttpApi implements FakeProviderApi {
  readonly answers: readonly FakeAnswer[] = ['accept', 'throttle', 'server_error', 'refuse', 'hang'];
  readonly takesIdempotencyKey: boolean;
  readonly requests: RecordedRequest[] = [];
  readonly received: ReceivedSend[] = [];
  /** Requests the provider would have refused, with the refusal it gave. */
  readonly refusals: Array<{ request: RecordedRequest; reply: FakeReply }> = [];
  private readonly queue: Array<FakeAnswer | FakeReply> = [];
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
          this.refusals.push({ request, reply: refusal });
          return send(res, refusal);
        }
        const answer = this.queue.shift() ?? 'accept';
        const received: ReceivedSend = { ...this.model.read(request), providerMessageId: null };
        this.received.push(received);
        if (answer === 'hang') return;
        const reply = typeof answer === 'object' ? answer : this.model.reply(answer, this.received.length);
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

  /** The next sends get these replies, written out (a provider's own error codes), in order. */
  replyNext(...replies: FakeReply[]): void {
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
