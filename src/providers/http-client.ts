import { Agent, request } from 'undici';
import { describeError, redactUrl } from '../util/redact.js';
import type { SendOutcome, SendResult } from './types.js';

/** Classifies an HTTP status the way most provider APIs mean it. */
export function classifyHttpStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, answer body included, ends by then. */
  timeoutMs: number;
  /** The caller's own deadline (the worker's), on top of `timeoutMs`. */
  signal?: AbortSignal;
  /** Most bytes of the answer read; the rest is dropped. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** The provider answered: its status, `outcome` per classifyHttpStatus, and the start of its body. */
export interface HttpAnswer {
  kind: 'answer';
  status: number;
  outcome: SendOutcome;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Set when the body broke off (reset, timeout); `body` holds what arrived. */
  bodyError?: string;
}

/** No answer: refused, reset, timed out. Always worth a retry; `detail` names the URL with secrets redacted. */
export interface HttpFailure {
  kind: 'failed';
  timedOut: boolean;
  detail: string;
}

/** `POST https://host/path?key=[redacted]`: how a call is named in details and logs. */
/**
 * A provider's answer that never arrived whole (no answer, or one cut off) is worth a retry:
 * drivers write `if (answer.kind === 'failed' || answer.bodyError) return unanswered(answer);`.
 */
export function unanswered(answer: HttpAnswer | HttpFailure): SendResult {
  if (answer.kind === 'failed') return { outcome: 'transient', detail: answer.detail };
  return { outcome: 'transient', detail: `answer broke off: ${answer.bodyError ?? 'incomplete'}` };
}

export function describeCall(method: string, url: string): string {
  return `${method} ${redactUrl(url)}`;
}

/** `HTTP 400: <start of the body>`, the usual detail of a refusal. */
export function answerDetail(answer: HttpAnswer, maxChars = 200): string {
  return `HTTP ${answer.status}: ${answer.body.slice(0, maxChars)}`;
}

const JSON_START = /^\s*[[{"\-0-9tfn]/;

/** The answer's body as JSON, or undefined when it is not JSON (or was cut short). */
export function jsonOf(answer: HttpAnswer): unknown {
  // Text that cannot start JSON ("OK", an HTML page) is not parsed: a thrown SyntaxError per answer
  // was 2.5 % of the gateway's time against a receiver answering "OK" (docs/performance.md).
  if (!JSON_START.test(answer.body)) return undefined;
  try {
    return JSON.parse(answer.body);
  } catch {
    return undefined;
  }
}

/**
 * One keep-alive connection pool for a driver (or the outbound gateway client), with a timeout on
 * every call and a cap on how much of an answer is read: a provider's error page cannot fill memory.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(options: { connections?: number } = {}) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connections ?? 64 });
  }

  async call(call: HttpCall): Promise<HttpAnswer | HttpFailure> {
    // One controller and one timer per call: AbortSignal.timeout plus AbortSignal.any cost a few
    // per cent of the gateway's time under load (docs/performance.md).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, call.timeoutMs);
    const callerAborted = () => controller.abort();
    if (call.signal?.aborted) controller.abort();
    else call.signal?.addEventListener('abort', callerAborted, { once: true });
    try {
      return await this.exchange(call, controller.signal, () => timedOut);
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', callerAborted);
    }
  }

  private async exchange(
    call: HttpCall,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<HttpAnswer | HttpFailure> {
    const where = describeCall(call.method, call.url);
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        dispatcher: this.agent,
        signal,
      });
    } catch (err) {
      if (timedOut())
        return {
          kind: 'failed',
          timedOut: true,
          detail: `no answer within ${call.timeoutMs} ms from ${where}`,
        };
      if (call.signal?.aborted)
        return { kind: 'failed', timedOut: true, detail: `abandoned by the caller: ${where}` };
      return { kind: 'failed', timedOut: false, detail: `${describeError(err)} (${where})` };
    }
    const read = await readCapped(response.body, call.maxBodyBytes ?? 65_536);
    const answer: HttpAnswer = {
      kind: 'answer',
      status: response.statusCode,
      outcome: classifyHttpStatus(response.statusCode),
      headers: response.headers,
      body: read.text,
    };
    if (read.error !== undefined)
      answer.bodyError = timedOut() ? `body not read within ${call.timeoutMs} ms` : describeError(read.error);
    return answer;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Reads at most `max` bytes as UTF-8; leaving the loop early closes the stream instead of reading on. */
async function readCapped(
  body: AsyncIterable<Buffer>,
  max: number,
): Promise<{ text: string; error?: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const room = max - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (chunk.length > room) break;
    }
  } catch (error) {
    return { text: Buffer.concat(chunks).toString('utf8'), error };
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}
