import type { SendResult } from '../providers/types.js';
import type { MessageStatus } from '../store/tables.js';

/**
 * The outbox's status machine, in one place for the worker and the synchronous `gateway_url` path:
 *
 *   queued ──claim──► processing ──accepted──► sent ──receipt──► delivered | undelivered
 *     ▲                   │ transient: the same provider after a backoff, or the next one after
 *     └──── retry ◄───────┤   `failoverAfter` failures in a row; permanent: the next provider at once
 *                         ├─ a rejected number, no provider left, or out of attempts ──► failed
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
  /** Transient failures in a row on one provider before the message moves to the next of its route. */
  failoverAfter?: number;
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
  /** The provider of the route chain the next attempt uses, and its failures in a row so far. */
  routeStep: number;
  stepFailures: number;
}

/** Where a message is in its route: which provider of `chainLength`, and its failures in a row there. */
export interface RoutePosition {
  expires_at: number;
  route_step: number;
  step_failures: number;
}

/**
 * Where a message goes after an attempt with `result`; `attempt` counts this one. Pure.
 * - accepted: sent. A rejected number: failed (no provider can reach it).
 * - permanent, or a fault of the provider itself: the next provider of the route, at once; failed
 *   when there is none.
 * - transient: the same provider again after a backoff, until `failoverAfter` failures in a row move
 *   it to the next provider; failed when attempts run out, expired when the retry would come too late.
 */
export function next(
  message: RoutePosition,
  attempt: number,
  result: SendResult,
  now: number,
  settings: RetrySettings,
  chainLength = 1,
  random = Math.random,
): Next {
  const here = { routeStep: message.route_step, stepFailures: message.step_failures };
  const done = (status: MessageStatus): Next => ({ status, nextAttemptAt: now, ...here });
  if (result.outcome === 'accepted') return done('sent');
  if (result.outcome === 'rejected_number' || attempt >= settings.maxAttempts) return done('failed');
  const hasNext = message.route_step + 1 < chainLength;
  const failover: Next = {
    status: 'queued',
    nextAttemptAt: now,
    routeStep: message.route_step + 1,
    stepFailures: 0,
  };
  if (result.outcome === 'permanent' || result.providerFault) return hasNext ? failover : done('failed');
  const failures = message.step_failures + 1;
  if (hasNext && failures >= (settings.failoverAfter ?? Number.POSITIVE_INFINITY)) return failover;
  const at = now + backoffMs(attempt, settings.retryBaseMs, settings.retryMaxMs, random);
  if (at >= message.expires_at) return done('expired');
  return { status: 'queued', nextAttemptAt: at, routeStep: message.route_step, stepFailures: failures };
}

/**
 * The statuses a delivery receipt applies to. A receipt can overtake the attempt's own record
 * (providers call back fast), hence `processing`; the record then leaves the receipt's status.
 */
export const RECEIPT_FROM: MessageStatus[] = ['sent', 'processing'];

/** The status a delivery receipt moves a message to, or undefined when it changes nothing. */
export function afterReceipt(
  status: MessageStatus,
  receipt: 'delivered' | 'undelivered',
): MessageStatus | undefined {
  return RECEIPT_FROM.includes(status) ? receipt : undefined;
}
