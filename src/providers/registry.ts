import type { Config } from '../config/schema.js';
import { consoleDriver } from './console/index.js';
import type { Driver, DriverContext } from './driver.js';
import { messageBirdDriver } from './messagebird/index.js';
import { plivoDriver } from './plivo/index.js';
import { twilioDriver } from './twilio/index.js';
import type { SmsProvider } from './types.js';
import { vonageDriver } from './vonage/index.js';
import { webhookDriver } from './webhook/index.js';

/** Every driver otpline ships, one line each: adding a provider is a new folder and a new line here. */
export const drivers: readonly Driver[] = [
  consoleDriver, // prints messages, for development
  webhookDriver, // POSTs messages as JSON to the operator's URL
  messageBirdDriver, // MessageBird (Bird) legacy SMS API, JWT-signed status reports
  plivoDriver, // Plivo Message API, status callbacks signed with X-Plivo-Signature-V3
  twilioDriver, // Twilio Messages API, signed status callbacks
  vonageDriver, // Vonage (Nexmo) SMS API, delivery receipts signed when a signature secret is set
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
