import { type DriverContext, defineDriver } from '../driver.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../types.js';
import { ConsoleSettings } from './config.js';
import { metadata } from './metadata.js';

/**
 * Development provider: writes each message to standard output, where the developer reads the
 * code. It is the only place a code is ever printed, so it must not be used in production.
 */
export function createConsoleProvider(
  write: (line: string) => void = (line) => process.stdout.write(line),
): SmsProvider {
  return {
    name: 'console',
    async send(message: OutgoingSms): Promise<SendResult> {
      const from = message.from ? ` from ${message.from}` : '';
      write(`[otpline sms] to ${message.to}${from}: ${message.body}\n`);
      return { outcome: 'accepted', providerMessageId: `console-${message.id}` };
    },
  };
}

export const consoleDriver = defineDriver({
  name: 'console',
  metadata,
  settings: ConsoleSettings,
  create: (_settings: ConsoleSettings, context: DriverContext) =>
    createConsoleProvider((line) => context.stdout.write(line)),
});
