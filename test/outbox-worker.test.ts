import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutgoingSms, SendResult, SmsProvider } from '../src/providers/types.js';
import { gatewayToken, startTestServer } from './helpers/server.js';

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
  it('takes a gateway message straight from the request while it has a free slot, and queues the rest', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const provider: SmsProvider = {
      name: 'held',
      async send(message): Promise<SendResult> {
        seen.push(message.body);
        await held;
        return { outcome: 'accepted', providerMessageId: `held-${message.id}` };
      },
    };
    const server = await startTestServer({ outbox: { batchSize: 2, pollIntervalMs: 50 } }, { provider });
    try {
      const token = await gatewayToken(server);
      const post = async (body: string) => {
        const answer = await server.call('POST', '/gateway/sms', {
          json: { recipient: '+14155552671', body },
          token,
        });
        assert.equal(answer.status, 200, answer.text);
        return answer.body.id as string;
      };
      const rowOf = (id: string) =>
        server.services.stores.database
          .selectFrom('messages')
          .select(['status', 'lease_owner'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const first = await post('first');
      const second = await post('second');
      const third = await post('third');
      const { owner } = server.services.worker;
      // The first two fill the two slots: stored leased to the worker, and being sent already.
      assert.deepEqual(await rowOf(first), { status: 'processing', lease_owner: owner });
      assert.deepEqual(await rowOf(second), { status: 'processing', lease_owner: owner });
      for (const deadline = Date.now() + 5000; seen.length < 2 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen, ['first', 'second'], 'two in flight, no more');
      // No slot left for the third: it waits in the queue for the worker to claim it.
      assert.deepEqual(await rowOf(third), { status: 'queued', lease_owner: null });
      release();
      for (const deadline = Date.now() + 5000; seen.length < 3 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(seen, ['first', 'second', 'third']);
      for (const id of [first, second, third]) {
        for (
          const deadline = Date.now() + 5000;
          (await rowOf(id)).status !== 'sent' && Date.now() < deadline;
        ) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(await rowOf(id), { status: 'sent', lease_owner: null });
      }
    } finally {
      release();
      await server.stop();
    }
  });

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
