import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutgoingSms, SendResult, SmsProvider } from '../src/providers/types.js';
import { startTestServer } from './helpers/server.js';

/** A provider that takes `maxConcurrency` sends at once and says how many it ever had in flight. */
function slowProvider(maxConcurrency: number) {
  let inFlight = 0;
  const seen: OutgoingSms[] = [];
  const provider: SmsProvider & { peak: number; seen: OutgoingSms[] } = {
    name: 'slow',
    maxConcurrency,
    peak: 0,
    seen,
    async send(message): Promise<SendResult> {
      inFlight++;
      provider.peak = Math.max(provider.peak, inFlight);
      seen.push(message);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return { outcome: 'accepted', providerMessageId: `slow-${message.id}` };
    },
  };
  return provider;
}

describe('the outbox worker', () => {
  it("keeps no more sends in flight than the provider's limit, and passes the recipient's country", async () => {
    const provider = slowProvider(2);
    const server = await startTestServer({}, { noWorker: true, provider });
    try {
      for (let i = 0; i < 5; i++) {
        await server.services.outbox.add({
          source: 'gateway',
          dispatch: 'outbox',
          connectionId: null,
          recipient: '+447700900123',
          country: 'GB',
          body: `message ${i}`,
          bodyRedacted: `message ${i}`,
          sender: null,
          expiresAt: server.clock.now() + 60_000,
        });
      }
      assert.equal(await server.services.worker.runOnce(), 5);
      assert.equal(provider.peak, 2, 'never more than the limit in flight');
      assert.equal(provider.seen.length, 5);
      assert.ok(provider.seen.every((m) => m.country === 'GB'));
      const list = await server.call('GET', '/api/v2/sms-messages', { token: await server.adminToken() });
      for (const m of list.body) {
        assert.equal(m.status, 'sent');
        assert.equal(m.country, 'GB');
        assert.equal(m.attempts[0].provider_message_id, `slow-${m.id}`);
      }
    } finally {
      await server.stop();
    }
  });
});
