import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { OutgoingSms, SendResult, SmsProvider } from '../src/providers/types.js';
import { captureLog } from './helpers/log-sink.js';
import { gatewayToken, startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

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

/**
 * A provider that sends one message at a time and holds each until the test lets it go (or 3 s
 * pass, so that a send the test did not expect ends and shows in `seen` instead of hanging).
 */
function gatedProvider() {
  const waiting: Array<() => void> = [];
  const seen: string[] = [];
  const provider: SmsProvider & { seen: string[]; releaseAll(): void } = {
    name: 'gated',
    maxConcurrency: 1,
    seen,
    releaseAll: () => {
      for (const release of waiting.splice(0)) release();
    },
    async send(message): Promise<SendResult> {
      seen.push(message.body);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, 3000);
      });
      return { outcome: 'accepted', providerMessageId: `gated-${seen.length}` };
    },
  };
  return provider;
}

/** Queues a gateway message to a UK number, as the gateway stores one, for an hour. */
function queue(server: TestServer, body: string) {
  return server.services.outbox.add({
    source: 'gateway',
    dispatch: 'outbox',
    connectionId: null,
    recipient: '+447700900123',
    country: 'GB',
    body,
    bodyRedacted: body,
    sender: null,
    expiresAt: server.clock.now() + 3_600_000,
  });
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
      for (let i = 0; i < 5; i++) await queue(server, `message ${i}`);
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

  it('gives up on a send at its deadline, a second before its lease ends, and queues it for a retry', async () => {
    // A receiver that takes the request and never answers.
    const stuck = createServer(() => {});
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/sms`;
    const server = await startTestServer(
      { outbox: { leaseMs: 2000 }, provider: { name: 'webhook', webhook: { url } } },
      { noWorker: true },
    );
    try {
      const { id } = await queue(server, 'stuck');
      const started = Date.now();
      await server.services.worker.runOnce();
      const took = Date.now() - started;
      // Its deadline is 1 s away; the webhook provider's own timeout, 10 s (the detail below tells them apart).
      assert.ok(took >= 900 && took < 8000, `gave up after ${took} ms`);
      const row = await server.services.stores.database
        .selectFrom('messages')
        .select(['status', 'attempts', 'lease_owner', 'last_error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...row, last_error: row.last_error?.replace(/\d+/g, 'N') },
        {
          status: 'queued',
          attempts: 1,
          lease_owner: null,
          last_error: 'abandoned by the caller: POST http://N.N.N.N:N/sms',
        },
      );
    } finally {
      stuck.closeAllConnections();
      stuck.close();
      await server.stop();
    }
  });

  describe('a message that waited for its provider past half its lease', () => {
    const LEASE_MS = 10_000;
    async function twoClaimed() {
      const provider = gatedProvider();
      const log = captureLog('info');
      const server = await startTestServer(
        { outbox: { leaseMs: LEASE_MS } },
        { noWorker: true, provider, logger: log.logger },
      );
      for (const body of ['first', 'second']) await queue(server, body);
      // Both claimed under one lease; the provider takes one at a time, so the second waits.
      const run = server.services.worker.runOnce();
      await until(
        () => provider.seen.length === 1,
        5000,
        () => 'the first send',
      );
      const rowOf = (body: string) =>
        server.services.stores.database
          .selectFrom('messages')
          .select(['status', 'lease_owner', 'attempts'])
          .where('body_redacted', '=', body)
          .executeTakeFirstOrThrow();
      return { provider, server, run, rowOf, log };
    }

    it('has its lease renewed before it is sent, so no sweep puts it back in the queue mid-send', async () => {
      const { provider, server, run, rowOf } = await twoClaimed();
      try {
        server.clock.advance(LEASE_MS - 2000);
        provider.releaseAll();
        await until(
          () => provider.seen.length === 2,
          5000,
          () => 'the second send',
        );
        // Past the end of the lease it was claimed with, while its send is still under way.
        server.clock.advance(3000);
        assert.equal(await server.services.outbox.reclaimLapsed(), 0, 'no lease had run out');
        provider.releaseAll();
        await run;
        assert.deepEqual(provider.seen, ['first', 'second'], 'each sent once');
        assert.deepEqual(await rowOf('second'), { status: 'sent', lease_owner: null, attempts: 1 });
      } finally {
        provider.releaseAll();
        await server.stop();
      }
    });

    it('is not sent when its lease ran out and another worker took it meanwhile', async () => {
      const { provider, server, run, rowOf, log } = await twoClaimed();
      try {
        server.clock.advance(LEASE_MS + 1000);
        assert.equal(await server.services.outbox.reclaimLapsed(), 2, 'both leases ran out');
        const taken = await server.services.outbox.claim('another-worker', 10, LEASE_MS);
        assert.equal(taken.length, 2);
        provider.releaseAll();
        await run;
        assert.deepEqual(provider.seen, ['first'], 'the second was left to the worker that holds it');
        assert.deepEqual(await rowOf('second'), {
          status: 'processing',
          lease_owner: 'another-worker',
          attempts: 0,
        });
        // The first went out, but its attempt came after the lease: the new holder sends it again.
        assert.deepEqual(await rowOf('first'), {
          status: 'processing',
          lease_owner: 'another-worker',
          attempts: 0,
        });
        const warnings = log.lines
          .map((line) => JSON.parse(line))
          .filter((entry) => entry.level === 40 && entry.messageId);
        assert.deepEqual(
          warnings.map((w) => w.msg.split(':')[0]),
          ['sms delivery attempt not recorded', 'the lease ran out before the message could be sent'],
          'the operator sees both',
        );
      } finally {
        provider.releaseAll();
        await server.stop();
      }
    });
  });
});
