import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import type { SmsProvider } from '../../src/providers/types.js';
import { webhookDriver } from '../../src/providers/webhook/index.js';
import { FakeHttpApi, type HttpApiModel } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const SECRET = 'webhook-contract-secret-0123456789';

/** The webhook "API": the operator's receiver, which takes `{id, to, from, body}` and may answer `{id}`. */
const receiver: HttpApiModel = {
  takesIdempotencyKey: true,
  read(request) {
    const sent = JSON.parse(request.raw) as { to: string; body: string };
    return { to: sent.to, body: sent.body, idempotencyKey: String(request.headers['idempotency-key']) };
  },
  reply(answer, n) {
    if (answer === 'accept')
      return { status: 200, body: JSON.stringify({ id: `hook-${n}` }), id: `hook-${n}` };
    const status = { throttle: 429, server_error: 503, refuse: 400 }[answer];
    return { status, body: JSON.stringify({ error: `no (${status})` }) };
  },
};

providerContract({
  driver: webhookDriver,
  fake: () => FakeHttpApi.start(receiver),
  // A token in the URL's query is a credential too: details show the URL redacted.
  settings: (fake) => ({ url: `${fake.url}/deliver?token=URL-TOKEN-123`, secret: SECRET, timeoutMs: 500 }),
  timeoutMs: 500,
  secrets: ['URL-TOKEN-123'],
});

describe('the webhook driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const context = { logger: createLogger('silent'), stdout: process.stdout };
  const sms = {
    id: 'msg_1',
    to: '+14155552671',
    from: null,
    body: 'Your code is 123456',
    country: 'US',
    idempotencyKey: 'idem-1',
  };

  before(async () => {
    api = await FakeHttpApi.start(receiver);
    provider = webhookDriver.create({ url: `${api.url}/deliver`, secret: SECRET, timeoutMs: 1000 }, context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('POSTs {id, to, from, body}, signed over the exact body', async () => {
    const result = await provider.send(sms, AbortSignal.timeout(5000));
    assert.deepEqual(result, { outcome: 'accepted', providerMessageId: 'hook-1', statusCode: '200' });
    const request = api.requests.at(-1);
    assert.equal(request?.path, '/deliver');
    assert.deepEqual(JSON.parse(request?.raw ?? ''), { id: 'msg_1', to: sms.to, from: null, body: sms.body });
    const [t, v1] = String(request?.headers['x-otpline-signature']).split(',');
    const timestamp = Number(t?.slice(2));
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${request?.raw}`).digest('hex');
    assert.equal(v1, `v1=${expected}`);
  });

  it('reports a refusal as HTTP <status>: <start of the answer>', async () => {
    api.answerNext('refuse');
    const result = await provider.send(sms, AbortSignal.timeout(5000));
    assert.deepEqual(result, {
      outcome: 'permanent',
      statusCode: '400',
      detail: 'HTTP 400: {"error":"no (400)"}',
    });
  });

  it('names an unreachable receiver by its error and redacted URL', async () => {
    const port = await closedPort();
    const unreachable = webhookDriver.create(
      { url: `http://127.0.0.1:${port}/hook?key=SEKRET`, timeoutMs: 1000 },
      context,
    );
    try {
      const result = await unreachable.send(sms, AbortSignal.timeout(5000));
      if (result.outcome !== 'transient') assert.fail(JSON.stringify(result));
      assert.match(result.detail, /ECONNREFUSED/);
      assert.match(result.detail, /POST http:\/\/127\.0\.0\.1:\d+\/hook\?key=\[redacted\]/);
    } finally {
      await unreachable.stop?.();
    }
  });
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
