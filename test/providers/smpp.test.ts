import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { smppDriver } from '../../src/providers/smpp/index.js';
import type { DeliveryReceipt, OutgoingSms, SendResult, SmsProvider } from '../../src/providers/types.js';
import { providerContract } from '../helpers/provider-contract.js';
import { FakeSmsc } from './fakes/smsc.js';

const account = { systemId: 'otpline', password: 'smpp-pw1' };
const settings = (smsc: FakeSmsc, over: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: smsc.port,
  systemId: account.systemId,
  password: account.password,
  sourceAddr: 'otpline',
  pduTimeoutMs: 500,
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  ...over,
});

providerContract({
  driver: smppDriver,
  fake: () => FakeSmsc.start(account),
  settings: (smsc) => settings(smsc),
  timeoutMs: 500,
});

const context = { logger: createLogger('silent'), stdout: process.stdout };
const create = (smsc: FakeSmsc, over: Record<string, unknown> = {}) =>
  smppDriver.create(
    loadConfig({ env: {}, overrides: { provider: { name: 'smpp', smpp: settings(smsc, over) } } }).provider
      .smpp as never,
    context,
  );
let n = 0;
const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
  id: `msg_${++n}`,
  to: '+4915123456789',
  from: null,
  body: `Your code is ${100000 + n}`,
  country: 'DE',
  idempotencyKey: `idem-${n}`,
  ...over,
});
const until = async (check: () => boolean, what: string, ms = 3000) => {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
};
const failure = (r: SendResult) => (r.outcome === 'accepted' ? assert.fail('accepted') : r);

describe('the smpp driver', () => {
  let smsc: FakeSmsc;
  let provider: SmsProvider;
  const receipts: DeliveryReceipt[] = [];
  const send = (message = sms(), p = provider) => p.send(message, AbortSignal.timeout(10_000));

  before(async () => {
    smsc = await FakeSmsc.start(account, 3);
    // A long PDU timeout: a busy CI machine must not turn a held answer into a timeout here.
    provider = create(smsc, { windowSize: 3, enquireLinkMs: 100, pduTimeoutMs: 5000 });
    provider.onReceipts?.((batch) => receipts.push(...batch));
    await provider.start?.();
  });
  after(async () => {
    await provider.stop?.();
    await smsc.close();
  });

  it('fails to start on refused credentials, saying which, never the password; sends are a provider fault', async () => {
    const wrong = create(smsc, { password: 'wrong-pw' });
    await assert.rejects(wrong.start?.() ?? assert.fail(), (err: Error) => {
      assert.equal(err.message, 'the SMSC refused to bind as "otpline": ESME_RINVPASWD (0x0000000e)');
      return true;
    });
    const result = failure(await send(sms(), wrong));
    assert.deepEqual(
      [result.outcome, result.providerFault, result.errorCode],
      ['permanent', true, 'ESME_RINVPASWD'],
    );
    assert.ok(!result.detail.includes('wrong-pw'));
    await wrong.stop?.();
    assert.deepEqual(smsc.binds.at(-1), { systemId: 'otpline', ok: false });
  });

  it('keeps at most windowSize submit_sm outstanding; the rest wait their turn', async () => {
    assert.equal(provider.maxConcurrency, 3);
    smsc.holding = true;
    const before = smsc.parts.length;
    const sends = Array.from({ length: 8 }, () => send());
    try {
      await until(() => smsc.sessions.size > 0 && smsc.heldCount >= 3, '3 held');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(smsc.heldCount, 3, 'no fourth before an answer');
    } finally {
      smsc.holding = false;
      smsc.release();
    }
    const results = await Promise.all(sends);
    assert.deepEqual(new Set(results.map((r) => r.outcome)), new Set(['accepted']));
    assert.equal(smsc.parts.length - before, 8);
    assert.equal(smsc.windowBreaches, 0);
    assert.equal(smsc.maxOutstanding, 3);
  });

  it('resolves every in-flight send as transient when the link drops, then binds again', async () => {
    const binds = smsc.binds.length;
    smsc.holding = true;
    try {
      const sends = Array.from({ length: 5 }, () => send());
      await until(() => smsc.heldCount >= 3, 'a full window');
      smsc.drop();
      const results = await Promise.all(sends);
      assert.equal(smsc.heldCount, 3, 'the other two never reached the SMSC');
      assert.deepEqual(
        new Set(results.map((r) => r.outcome)),
        new Set(['transient']),
        JSON.stringify(results),
      );
    } finally {
      smsc.holding = false;
      smsc.discardHeld();
    }
    await until(() => smsc.binds.length > binds && smsc.sessions.size > 0, 'a new bind');
    // The ESME sends enquire_link only once it has read the bind answer: then it is bound.
    const keepAlives = smsc.enquireLinks;
    await until(() => smsc.enquireLinks > keepAlives, 'an enquire_link on the new bind');
    assert.equal((await send()).outcome, 'accepted', 'the retry goes through the new bind');
  });

  it('counts throttling and a full queue as transient, a bad destination as a rejected number', async () => {
    smsc.answerNext(0x58, 0x14, 0x0b);
    const [throttled, full, bad] = [failure(await send()), failure(await send()), failure(await send())];
    assert.deepEqual(
      [throttled.outcome, throttled.errorCode, throttled.statusCode],
      ['transient', 'ESME_RTHROTTLED', '88'],
    );
    assert.deepEqual([full.outcome, full.errorCode], ['transient', 'ESME_RMSGQFUL']);
    assert.deepEqual([bad.outcome, bad.errorCode], ['rejected_number', 'ESME_RINVDSTADR']);
    assert.match(throttled.detail, /submit_sm refused: ESME_RTHROTTLED \(0x00000058\)/);
  });

  it('sends a long message as UDH parts the SMSC reassembles, in order, with one reference', async () => {
    for (const [body, dataCoding] of [
      ['Your login code is 482910. '.repeat(14), 0],
      ['Ваш код: 482910 — никому его не сообщайте. '.repeat(4), 8],
    ] as const) {
      const before = smsc.parts.length;
      const result = await send(sms({ body, from: '+15550001111' }));
      const parts = smsc.parts.slice(before);
      assert.equal(result.outcome, 'accepted');
      assert.equal(smsc.received.at(-1)?.body, body, 'reassembled text');
      assert.ok(parts.length > 1);
      const refs = new Set(parts.map((p) => p.udh?.[0]));
      assert.equal(refs.size, 1, 'one reference');
      assert.deepEqual(
        parts.map((p) => [p.udh?.[1], p.udh?.[2], p.esmClass & 0x40, p.dataCoding]),
        parts.map((_, i) => [parts.length, i + 1, 0x40, dataCoding]),
      );
      assert.deepEqual([parts[0]?.from, parts[0]?.to], ['15550001111', '+4915123456789']);
      if (result.outcome === 'accepted') assert.equal(result.providerMessageId, parts[0]?.messageId);
    }
  });

  it('hands delivery receipts to the listener, answering every deliver_sm; parts fold into one', async () => {
    const single = await send();
    const id = single.outcome === 'accepted' ? single.providerMessageId : assert.fail();
    const text = `id:${id} sub:001 dlvrd:001 submit date:2501311404 done date:2501311405 stat:DELIVRD err:000 text:Your code`;
    assert.equal(await smsc.deliver({ esm_class: 0x04, short_message: text }), 0);
    assert.equal(
      await smsc.deliver({
        esm_class: 0x04,
        short_message: 'x',
        receipted_message_id: 'smsc-x',
        message_state: 5,
      }),
      0,
    );
    assert.equal(await smsc.deliver({ esm_class: 0x00, short_message: 'an incoming message' }), 0);
    assert.deepEqual(receipts.splice(0), [
      {
        providerMessageId: id,
        status: 'delivered',
        detail: 'stat:DELIVRD err:000',
        at: Date.UTC(2025, 0, 31, 14, 5),
      },
      { providerMessageId: 'smsc-x', status: 'undelivered', detail: 'stat:UNDELIV' },
    ]);
    const before = smsc.parts.length;
    const long = await send(sms({ body: 'x'.repeat(200) }));
    const [first, second] = smsc.parts.slice(before).map((p) => p.messageId);
    assert.equal(long.outcome === 'accepted' && long.providerMessageId, first);
    await smsc.deliver({ esm_class: 0x04, short_message: `id:${first} stat:DELIVRD err:000` });
    assert.deepEqual(receipts, [], 'one part is not the message');
    await smsc.deliver({ esm_class: 0x04, short_message: `id:${second} stat:DELIVRD err:000` });
    assert.deepEqual(receipts.splice(0), [
      { providerMessageId: first, status: 'delivered', detail: 'stat:DELIVRD err:000' },
    ]);
  });

  it('keeps the link alive with enquire_link', async () => {
    const seen = smsc.enquireLinks;
    await until(() => smsc.enquireLinks >= seen + 2, 'two enquire_link');
  });
});
