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
    const send = async (i: number) => {
      const sent = Date.now();
      const answer = await server.call('POST', '/gateway/sms', {
        token,
        json: { recipient: `+1415555${String(2000 + i)}`, body: `flow control ${i}` },
      });
      return { status: answer.status, waited: Date.now() - sent };
    };
    // Four messages for two slots: once both are out, the worker's last claim was full (behind).
    const firstWave = Promise.all([0, 1, 2, 3].map(send));
    await sink.waitFor(2);
    const second = await Promise.all([4, 5, 6, 7, 8, 9].map(send));
    const first = await firstWave;
    assert.deepEqual(
      [...first, ...second].map((a) => a.status),
      Array(10).fill(200),
    );
    // Without flow control these are answered in a few milliseconds, deliveries or not.
    for (const { waited } of second) {
      assert.ok(waited >= 200, `an answer while behind came after ${waited} ms`);
      assert.ok(waited < 2500, `the wait is bounded (about 1 s), not ${waited} ms`);
    }
    await sink.waitFor(10);
    const texts = sink.received.map((r) => r.body.text ?? r.body.body).sort();
    assert.deepEqual(texts, Array.from({ length: 10 }, (_, i) => `flow control ${i}`).sort());
  });
});
