import { usedDriverNames } from '../config/routing.js';
import type { Config } from '../config/schema.js';
import { clickatellDriver } from './clickatell/index.js';
import { clickatellLegacyDriver } from './clickatell-legacy/index.js';
import { consoleDriver } from './console/index.js';
import type { Driver, DriverContext } from './driver.js';
import { httpDriver } from './http/index.js';
import { infobipDriver } from './infobip/index.js';
import { messageBirdDriver } from './messagebird/index.js';
import { plivoDriver } from './plivo/index.js';
import { ProviderSet } from './provider-set.js';
import { sinchDriver } from './sinch/index.js';
import { smppDriver } from './smpp/index.js';
import { snsDriver } from './sns/index.js';
import { telnyxDriver } from './telnyx/index.js';
import { twilioDriver } from './twilio/index.js';
import type { SmsProvider } from './types.js';
import { vonageDriver } from './vonage/index.js';
import { webhookDriver } from './webhook/index.js';

/** Every driver otpline ships, one line each: adding a provider is a new folder and a new line here. */
export const drivers: readonly Driver[] = [
  consoleDriver, // prints messages, for development
  webhookDriver, // POSTs messages as JSON to the operator's URL
  clickatellDriver, // Clickatell Platform One API, receipts with a secret token in the callback URL
  clickatellLegacyDriver, // Clickatell's legacy HTTP API (Auth0's walk-through)
  httpDriver, // an HTTP request described in settings: regional APIs, a Kannel box
  infobipDriver, // Infobip SMS API v3, delivery reports at a URL with a secret token
  messageBirdDriver, // MessageBird (Bird) legacy SMS API, JWT-signed status reports
  plivoDriver, // Plivo Message API, status callbacks signed with X-Plivo-Signature-V3
  sinchDriver, // Sinch SMS REST API (batches), HMAC-signed delivery reports
  smppDriver, // binds to an SMSC over SMPP 3.4; receipts as deliver_sm
  snsDriver, // Amazon SNS Publish to a phone number, SigV4-signed
  telnyxDriver, // Telnyx Messaging API v2, Ed25519-signed webhooks
  twilioDriver, // Twilio Messages API, signed status callbacks
  vonageDriver, // Vonage (Nexmo) SMS API, delivery receipts signed when a signature secret is set
];

/** The driver used when none is chosen. */
export const DEFAULT_DRIVER = 'console';

/**
 * Every provider the configuration uses: the default (`provider.name`, or `injected` in its place,
 * as tests do) and each one a route names, built from its driver.
 */
export function createProviders(
  config: Pick<Config, 'provider' | 'routing'>,
  context: DriverContext,
  list: readonly Driver[] = drivers,
  injected?: SmsProvider,
): ProviderSet {
  const providers = new Map<string, SmsProvider>();
  const defaultName = injected?.name ?? config.provider.name;
  if (injected) providers.set(injected.name, injected);
  for (const name of usedDriverNames(config, DEFAULT_DRIVER)) {
    if (providers.has(name) || (injected && name === config.provider.name)) continue;
    providers.set(
      name,
      createProvider({ provider: { ...config.provider, name } }, driverContext(context, name), list),
    );
  }
  return new ProviderSet(providers, defaultName);
}

/** Each driver gets its own receipt URL: `<base>/<driver>`. */
function driverContext(context: DriverContext, name: string): DriverContext {
  return context.receiptUrl
    ? { ...context, receiptUrl: `${context.receiptUrl.replace(/\/$/, '')}/${name}` }
    : context;
}

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
