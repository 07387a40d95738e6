import type { SendResult } from '../providers/types.js';
import type { MessageStatus } from '../store/tables.js';

/**
 * The outbox's status machine, in one place for the worker and the synchronous `gateway_url` path:
 *
 *   queued ──claim──► processing ──accepted──► sent ──receipt──► delivered | undelivered
 *     ▲                   │ transient, attempts and time left
 *     └───── retry ◄──────┤
 *                         ├─ permanent, or out of attempts ──► failed
 *                         └─ the retry would come after the message's end ──► expired
 *   (a queued or abandoned message whose time is up also becomes expired)
 */
export type { MessageStatus };

/** Statuses after which nothing is sent again; such messages keep only their masked text. */
export const DONE: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'failed',
  'expired',
  'delivered',
  'undelivered',
]);

export interface RetrySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Exponential backoff with full jitter: a retry storm spreads out instead of arriving at once. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface Next {
  status: MessageStatus;
  /** When the next attempt is due (retries), else `now`. */
  nextAttemptAt: number;
}

/** Where a message goes after an attempt with `result`; `attempt` counts this one. Pure. */
export function next(
  message: { expires_at: number },
  attempt: number,
  result: SendResult,
  now: number,
  settings: RetrySettings,
  random = Math.random,
): Next {
  if (result.outcome === 'accepted') return { status: 'sent', nextAttemptAt: now };
  if (result.outcome !== 'transient' || attempt >= settings.maxAttempts)
    return { status: 'failed', nextAttemptAt: now };
  const at = now + backoffMs(attempt, settings.retryBaseMs, settings.retryMaxMs, random);
  return at >= message.expires_at
    ? { status: 'expired', nextAttemptAt: now }
    : { status: 'queued', nextAttemptAt: at };
}

/** The status a delivery receipt moves a message to, or undefined when it changes nothing. */
export function afterReceipt(
  status: MessageStatus,
  receipt: 'delivered' | 'undelivered',
): MessageStatus | undefined {
  // A receipt can overtake the attempt's own record (providers call back fast), hence processing.
  return status === 'sent' || status === 'processing' ? receipt : undefined;
}
