import { marker } from './delivery-sink.js';
import type { GatewayMessage } from './gateway-target.js';
import { CallFailed } from './http.js';

export interface SendOptions {
  senders: number;
  messages: number;
  tag: string;
  nextPhone: () => string;
}

export interface SendResult {
  /** Marker numbers of the messages the gateway accepted. */
  accepted: number[];
  /** performance.now() when each accepted message was sent, in the same order. */
  sentAt: number[];
  /** ms: request sent → acceptance, per accepted message. */
  acceptMs: number[];
  errors: Record<string, number>;
  /** The first answer of each kind of error, to show what went wrong. */
  errorSamples: Record<string, string>;
  /** performance.now() at the first request, at the last acceptance, and when the last sender stopped. */
  begin: number;
  lastAccept: number;
  end: number;
}

/** Closed-loop senders sharing one count: each submits the next message as soon as its last is answered. */
export async function runSenders(
  send: (message: GatewayMessage) => Promise<void>,
  options: SendOptions,
): Promise<SendResult> {
  const result: SendResult = {
    accepted: [],
    sentAt: [],
    acceptMs: [],
    errors: {},
    errorSamples: {},
    begin: performance.now(),
    lastAccept: 0,
    end: 0,
  };
  let next = 0;

  async function sender(): Promise<void> {
    while (next < options.messages) {
      const n = next++;
      const t0 = performance.now();
      try {
        await send({ phone: options.nextPhone(), text: `Your code is 123456 (${marker(options.tag, n)})` });
        const t1 = performance.now();
        result.accepted.push(n);
        result.sentAt.push(t0);
        result.acceptMs.push(t1 - t0);
        result.lastAccept = Math.max(result.lastAccept, t1);
      } catch (err) {
        const kind = err instanceof CallFailed ? err.kind : `send ${(err as Error).message.split(' ')[0]}`;
        result.errors[kind] = (result.errors[kind] ?? 0) + 1;
        result.errorSamples[kind] ??= (err as Error).message.slice(0, 200);
        // A gateway that fails fast must not turn the loop into a busy spin.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  await Promise.all(Array.from({ length: options.senders }, sender));
  result.end = performance.now();
  return result;
}
