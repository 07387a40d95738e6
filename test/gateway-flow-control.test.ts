// Flow control at the gateway: when this node's deliveries fall behind what it accepts, its answers
// wait (up to a second) so the senders slow to the delivery rate; nothing accepted is lost by it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayToken, startTestServer, type TestServer } from './helpers/server.js';
import { SmsSink } from './helpers/sms-sink.js';

describe('the gateway keeps pace with its deliveries', () => {
  let server: TestServer;
  let sink: SmsSink;

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({
      provider: { name: 'webhook', webhook: { url: `${sink.url}/deliver` } },
      // Two sends in flight at most, each taking 300 ms: deliveries fall behind at once.
      outbox: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 100, batchSize: 2 },
    });
    sink.delayMs = 300;
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });

  it('holds answers while deliveries are behind, then delivers every accepted message', async () => {
    const token = await gatewayToken(server);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const answer = await server.call('POST', '/gateway/sms', {
          token,
          json: { recipient: `+1415555${String(2000 + i)}`, body: `flow control ${i}` },
        });
        return { ...answer, at: Date.now() - started };
      }),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(8).fill(200),
    );
    await sink.waitFor(8);
    // The sink answers each delivery 300 ms after it arrives.
    const firstDelivery = Math.min(...sink.received.map((r) => r.at - started)) + 300;
    // Without flow control all eight answers come at once, before any delivery has finished.
    const held = answers.filter((a) => a.at >= firstDelivery).length;
    assert.ok(held >= 4, `answers held while behind: ${held} of 8 (first delivery at ${firstDelivery} ms)`);
    // No answer waits much past the second the wait is bounded by.
    assert.ok(Math.max(...answers.map((a) => a.at)) < 3000);
    const texts = sink.received.map((r) => r.body.text ?? r.body.body).sort();
    assert.deepEqual(texts, Array.from({ length: 8 }, (_, i) => `flow control ${i}`).sort());
  });
});
