import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Driver, DriverContext } from '../../src/providers/driver.js';
import { createProvider, drivers as defaultDrivers } from '../../src/providers/registry.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../src/providers/types.js';

/** Ways a provider's API can answer a send: accept, throttle (429), fail (5xx), refuse (4xx), say nothing. */
export type FakeAnswer = 'accept' | 'throttle' | 'server_error' | 'refuse' | 'hang';

/** One send as the fake provider understood it. */
export interface ReceivedSend {
  to: string;
  body: string;
  idempotencyKey?: string;
  /** The id the fake gave when it accepted the send. */
  providerMessageId: string | null;
}

/** A stand-in for a provider, speaking its real protocol on loopback (or reading what a driver prints). */
export interface FakeProviderApi {
  /** The answers it can give; a console can only accept. */
  readonly answers: readonly FakeAnswer[];
  /** The provider's API carries an idempotency key, so the driver must pass it. */
  readonly takesIdempotencyKey: boolean;
  readonly received: ReceivedSend[];
  /** The next sends get these answers, in order; then `accept`. */
  answerNext(...answers: FakeAnswer[]): void;
  close(): Promise<void>;
}

export interface ContractCase<Fake extends FakeProviderApi> {
  driver: Driver;
  fake(): Promise<Fake>;
  /** `provider.<name>` settings pointing the driver at the fake, with a short timeout. */
  settings(fake: Fake): Record<string, unknown>;
  context?(fake: Fake): Partial<DriverContext>;
  /** The driver's timeout in `settings`: a silent API must give up by then. */
  timeoutMs?: number;
  /** More text no detail may hold, such as a token in a URL's query. */
  secrets?: string[];
}

let sequence = 0;
function message(): OutgoingSms {
  sequence += 1;
  return {
    id: `msg_contract_${sequence}`,
    to: '+14155552671',
    from: 'otpline',
    body: `Your code is ${100000 + sequence}`,
    country: 'US',
    idempotencyKey: `idem-contract-${sequence}`,
  };
}

/** Builds the provider the way the server does: settings through the config loader, then the registry. */
function build<Fake extends FakeProviderApi>(c: ContractCase<Fake>, fake: Fake): SmsProvider {
  const drivers = defaultDrivers.includes(c.driver) ? defaultDrivers : [...defaultDrivers, c.driver];
  const config = loadConfig({
    env: {},
    overrides: { provider: { name: c.driver.name, [c.driver.name]: c.settings(fake) } },
    drivers,
  });
  const context = { logger: createLogger('silent'), stdout: { write: () => true }, ...c.context?.(fake) };
  return createProvider(config, context, drivers);
}

/** The tests every driver passes, against a fake of its provider. */
export function providerContract<Fake extends FakeProviderApi>(c: ContractCase<Fake>): void {
  describe(`the ${c.driver.name} driver keeps the provider contract`, () => {
    let fake: Fake;
    let provider: SmsProvider;
    let stopped = false;
    const results: SendResult[] = [];
    const send = async (sms = message(), signal = AbortSignal.timeout(30_000)) => {
      const result = await provider.send(sms, signal);
      results.push(result);
      return result;
    };
    const needs = (t: TestContext, answer: FakeAnswer) => {
      if (!fake.answers.includes(answer)) t.skip(`the ${c.driver.name} fake cannot ${answer}`);
      return fake.answers.includes(answer);
    };

    before(async () => {
      fake = await c.fake();
      provider = build(c, fake);
      await provider.start?.();
    });
    after(async () => {
      if (!stopped) await provider?.stop?.();
      await fake.close();
    });

    it('accepts a message, with the id the provider gives', async () => {
      const sms = message();
      const result = await send(sms);
      assert.equal(result.outcome, 'accepted', JSON.stringify(result));
      const seen = fake.received.at(-1);
      assert.equal(seen?.to, sms.to);
      assert.equal(seen?.body, sms.body);
      if (seen?.providerMessageId && result.outcome === 'accepted')
        assert.equal(result.providerMessageId, seen.providerMessageId);
    });

    it('passes the idempotency key, the same on a retry', async (t) => {
      if (!fake.takesIdempotencyKey) return t.skip(`the ${c.driver.name} API takes no idempotency key`);
      if (!needs(t, 'server_error')) return;
      const sms = message();
      fake.answerNext('server_error');
      assert.equal((await send(sms)).outcome, 'transient');
      assert.equal((await send(sms)).outcome, 'accepted');
      const keys = fake.received.slice(-2).map((r) => r.idempotencyKey);
      assert.deepEqual(keys, [sms.idempotencyKey, sms.idempotencyKey]);
    });

    const classified: Array<[FakeAnswer, SendResult['outcome'], string]> = [
      ['throttle', 'transient', 'counts throttling (429) as transient'],
      ['server_error', 'transient', 'counts a server error (5xx) as transient'],
      ['refuse', 'permanent', 'counts a refusal (4xx) as permanent'],
    ];
    for (const [answer, outcome, title] of classified) {
      it(title, async (t) => {
        if (!needs(t, answer)) return;
        fake.answerNext(answer);
        assert.equal((await send()).outcome, outcome);
      });
    }

    it('gives up on a silent provider within its timeout, as transient', async (t) => {
      if (!needs(t, 'hang')) return;
      const timeoutMs = c.timeoutMs ?? assert.fail('a fake that can hang needs the case to give timeoutMs');
      fake.answerNext('hang');
      const startedAt = Date.now();
      assert.equal((await send()).outcome, 'transient');
      const took = Date.now() - startedAt;
      assert.ok(took >= timeoutMs - 20 && took < timeoutMs + 2000, `took ${took} ms`);
    });

    it("stops waiting when the worker's deadline comes first", async (t) => {
      if (!needs(t, 'hang')) return;
      fake.answerNext('hang');
      const startedAt = Date.now();
      assert.equal((await send(message(), AbortSignal.timeout(50))).outcome, 'transient');
      assert.ok(Date.now() - startedAt < (c.timeoutMs ?? 0), 'before its own timeout');
    });

    it('starts and stops; a second provider works on its own', async () => {
      const second = build(c, fake);
      await second.start?.();
      assert.equal((await second.send(message(), AbortSignal.timeout(30_000))).outcome, 'accepted');
      await second.stop?.();
      assert.equal((await send()).outcome, 'accepted', 'the first is untouched');
      stopped = true;
      await provider.stop?.();
    });

    it('keeps credentials out of every detail', () => {
      const settings = c.settings(fake);
      const secrets = [
        ...(c.driver.secrets ?? []).map((name) => settings[name]).filter((v) => typeof v === 'string'),
        ...(c.secrets ?? []),
      ];
      const details = results.flatMap((r) => (r.outcome === 'accepted' ? [] : [r.detail]));
      if (fake.answers.length > 1) assert.ok(details.length > 0, 'the failures above gave details');
      for (const detail of details)
        for (const secret of secrets) assert.ok(!detail.includes(secret), `"${detail}" holds a secret`);
    });
  });
}
