import type { Config } from '../config/schema.js';
import { consoleDriver } from './console/index.js';
import type { Driver, DriverContext } from './driver.js';
import { httpDriver } from './http/index.js';
import { smppDriver } from './smpp/index.js';
import { snsDriver } from './sns/index.js';
import type { SmsProvider } from './types.js';
import { webhookDriver } from './webhook/index.js';

/** Every driver otpline ships, one line each: adding a provider is a new folder and a new line here. */
export const drivers: readonly Driver[] = [
  consoleDriver, // prints messages, for development
  webhookDriver, // POSTs messages as JSON to the operator's URL
  httpDriver, // an HTTP request described in settings: regional APIs, a Kannel box
  smppDriver, // binds to an SMSC over SMPP 3.4; receipts as deliver_sm
  snsDriver, // Amazon SNS Publish to a phone number, SigV4-signed
];

/** The driver used when none is chosen. */
export const DEFAULT_DRIVER = 'console';

/** Builds the configured provider from its driver; the config loader has checked its settings. */
export function createProvider(
  config: Pick<Config, 'provider'>,
  context: DriverContext,
  list: readonly Driver[] = drivers,
): SmsProvider {
  const driver = list.find((d) => d.name === config.provider.name);
  if (!driver) throw new Error(`no provider driver is named "${config.provider.name}"`);
  return driver.create((config.provider[driver.name] ?? {}) as Record<string, unknown>, context);
}
