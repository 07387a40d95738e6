import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterReceipt, DONE, next } from '../../src/gateway/message-status.js';

const retry = { maxAttempts: 5, retryBaseMs: 1000, retryMaxMs: 60_000, failoverAfter: 2 };
const fresh = { expires_at: 100_000, route_step: 0, step_failures: 0 };
const half = () => 0.5;
const transient = { outcome: 'transient', detail: 'busy' } as const;

describe('the outbox status machine', () => {
  it('sends on accepted; fails a rejected number, or when attempts run out', () => {
    assert.deepEqual(next(fresh, 1, { outcome: 'accepted', providerMessageId: 'x' }, 0, retry), {
      status: 'sent',
      nextAttemptAt: 0,
      routeStep: 0,
      stepFailures: 0,
    });
    assert.equal(next(fresh, 1, { outcome: 'rejected_number', detail: 'no' }, 0, retry, 3).status, 'failed');
    assert.equal(next(fresh, 5, transient, 0, retry, 3).status, 'failed');
    assert.equal(
      next(fresh, 1, { outcome: 'permanent', detail: 'no' }, 0, retry).status,
      'failed',
      'no provider left',
    );
  });

  it('retries transient failures on the same provider with growing backoff, never past the message end', () => {
    assert.deepEqual(next(fresh, 1, transient, 0, retry, 1, half), {
      status: 'queued',
      nextAttemptAt: 750,
      routeStep: 0,
      stepFailures: 1,
    });
    assert.deepEqual(next({ ...fresh, step_failures: 1 }, 2, transient, 0, retry, 1, half), {
      status: 'queued',
      nextAttemptAt: 1500,
      routeStep: 0,
      stepFailures: 2,
    });
    assert.equal(next(fresh, 1, transient, 99_500, retry, 1, half).status, 'expired');
  });

  it('moves to the next provider of the route after failoverAfter transient failures, or at once on a permanent one', () => {
    assert.equal(next(fresh, 1, transient, 0, retry, 2, half).routeStep, 0, 'one failure stays');
    assert.deepEqual(next({ ...fresh, step_failures: 1 }, 2, transient, 10, retry, 2, half), {
      status: 'queued',
      nextAttemptAt: 10,
      routeStep: 1,
      stepFailures: 0,
    });
    assert.deepEqual(next(fresh, 1, { outcome: 'permanent', detail: 'no' }, 10, retry, 2), {
      status: 'queued',
      nextAttemptAt: 10,
      routeStep: 1,
      stepFailures: 0,
    });
    const fault = { outcome: 'transient', detail: 'suspended', providerFault: true } as const;
    assert.equal(next(fresh, 1, fault, 10, retry, 2).routeStep, 1, 'a provider-wide fault moves on at once');
    assert.equal(
      next({ ...fresh, route_step: 1 }, 2, { outcome: 'permanent', detail: 'no' }, 0, retry, 2).status,
      'failed',
    );
  });

  it('moves sent messages on with receipts, and nothing else', () => {
    assert.equal(afterReceipt('sent', 'delivered'), 'delivered');
    assert.equal(afterReceipt('sent', 'undelivered'), 'undelivered');
    assert.equal(afterReceipt('failed', 'delivered'), undefined);
    for (const status of ['sent', 'failed', 'expired', 'delivered', 'undelivered'] as const)
      assert.ok(DONE.has(status));
    assert.ok(!DONE.has('queued') && !DONE.has('processing'));
  });
});
