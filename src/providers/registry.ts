import type { Config } from '../config/schema.js';
import { clickatellDriver } from './clickatell/index.js';
import { clickatellLegacyDriver } from './clickatell-legacy/index.js';
import { consoleDriver } from './console/index.js';
import type { Driver, DriverContext } from './driver.js';
import { infobipDriver } from './infobip/index.js';
import { sinchDriver } from './sinch/index.js';
import { telnyxDriver } from './telnyx/index.js';
import type { SmsProvider } from './types.js';
import { webhookDriver } from './webhook/index.js';

/** Every driver otpline ships, one line each: adding a provider is a new folder and a new line here. */
export const drivers: readonly Driver[] = [
  consoleDriver, // prints messages, for development
  webhookDriver, // POSTs messages as JSON to the operator's URL
  clickatellDriver, // Clickatell Platform One API
  clickatellLegacyDriver, // Clickatell's legacy HTTP API (Auth0's walk-through)
  infobipDriver, // Infobip SMS API v3
  sinchDriver, // Sinch SMS REST API (batches)
  telnyxDriver, // Telnyx Messaging API v2
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
