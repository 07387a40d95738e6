import type { Config } from '../config/schema.js';
import { createConsoleProvider } from './console/index.js';
import type { SmsProvider } from './types.js';
import { createWebhookProvider } from './webhook/index.js';

/** One line per driver: adding a provider is a new folder and a new line here. */
const factories: Record<Config['provider']['name'], (config: Config) => SmsProvider> = {
  console: () => createConsoleProvider(),
  webhook: (config) => {
    const webhook = config.provider.webhook;
    if (!webhook) throw new Error('provider.webhook is not configured');
    return createWebhookProvider(webhook);
  },
};

export function createProvider(config: Config): SmsProvider {
  return factories[config.provider.name](config);
}
