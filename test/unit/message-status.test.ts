import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterReceipt, DONE, next } from '../../src/gateway/message-status.js';

const retry = { maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 60_000 };
const message = { expires_at: 100_000 };
const half = () => 0.5;

describe('the outbox status machine', () => {
  it('sends on accepted, fails on permanent or when attempts run out', () => {
    assert.deepEqual(next(message, 1, { outcome: 'accepted', providerMessageId: 'x' }, 0, retry), {
      status: 'sent',
      nextAttemptAt: 0,
    });
    assert.equal(next(message, 1, { outcome: 'permanent', detail: 'no' }, 0, retry).status, 'failed');
    assert.equal(next(message, 1, { outcome: 'rejected_number', detail: 'no' }, 0, retry).status, 'failed');
    assert.equal(next(message, 3, { outcome: 'transient', detail: 'busy' }, 0, retry).status, 'failed');
  });

  it('retries transient failures with growing backoff, but never past the message end', () => {
    assert.deepEqual(next(message, 1, { outcome: 'transient', detail: 'busy' }, 0, retry, half), {
      status: 'queued',
      nextAttemptAt: 750,
    });
    assert.deepEqual(next(message, 2, { outcome: 'transient', detail: 'busy' }, 0, retry, half), {
      status: 'queued',
      nextAttemptAt: 1500,
    });
    assert.equal(
      next(message, 1, { outcome: 'transient', detail: 'busy' }, 99_500, retry, half).status,
      'expired',
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
