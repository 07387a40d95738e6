import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { consoleDriver } from '../../src/providers/console/index.js';
import type { FakeAnswer, FakeProviderApi, ReceivedSend } from '../helpers/provider-contract.js';
import { providerContract } from '../helpers/provider-contract.js';

/** The console's "provider" is standard output: this reads back what the driver printed. */
class PrintedLines implements FakeProviderApi {
  readonly answers: readonly FakeAnswer[] = ['accept'];
  readonly takesIdempotencyKey = false;
  readonly received: ReceivedSend[] = [];

  write(text: string): boolean {
    const line = /^\[otpline sms\] to (\S+)(?: from \S+)?: (.*)\n$/.exec(text);
    assert.ok(line, `printed "${text}"`);
    this.received.push({ to: line[1] as string, body: line[2] as string, providerMessageId: null });
    return true;
  }

  answerNext(): void {
    throw new Error('the console cannot fail');
  }

  async close(): Promise<void> {}
}

providerContract({
  driver: consoleDriver,
  fake: async () => new PrintedLines(),
  settings: () => ({}),
  context: (printed) => ({ stdout: printed }),
});

describe('the console driver', () => {
  it('prints one line a developer can read the code from, with the sender when there is one', async () => {
    const printed: string[] = [];
    const provider = consoleDriver.create(
      {},
      { logger: createLogger('silent'), stdout: { write: (text: string) => printed.push(text) } },
    );
    const sms = { id: 'msg_1', to: '+14155552671', body: 'Code 123456', country: 'US', idempotencyKey: 'k' };
    assert.deepEqual(await provider.send({ ...sms, from: 'otpline' }, AbortSignal.timeout(1000)), {
      outcome: 'accepted',
      providerMessageId: 'console-msg_1',
    });
    await provider.send({ ...sms, from: null }, AbortSignal.timeout(1000));
    assert.deepEqual(printed, [
      '[otpline sms] to +14155552671 from otpline: Code 123456\n',
      '[otpline sms] to +14155552671: Code 123456\n',
    ]);
  });
});
