import type { Logger } from 'pino';
import type { Static, TObject } from 'typebox';
import type { SmsProvider } from './types.js';

/** What `otpline help`, the README and (later) the admin page say about a driver. */
export interface DriverMetadata {
  /** How people write the provider's name: "Twilio", "Amazon SNS". */
  displayName: string;
  /** Completes "<name> …" in the list of providers: what it does with messages, e.g. "POSTs them". */
  summary: string;
  /** A sentence or two for `otpline help`. */
  description: string;
  /** The provider's own API reference, for drivers of a vendor's API. */
  docsUrl?: string;
  /** Environment lines that configure it, for the README's provider table: `OTPLINE_PROVIDER=x OTPLINE_X_...=...`. */
  example?: string;
  /** Whether and how it reports delivery: "signed (X-Twilio-Signature)", "unsigned", or absent for none. */
  receipts?: string;
}

/** What the server hands every driver it creates. */
export interface DriverContext {
  logger: Logger;
  /** Where a driver that prints writes (the console driver): standard output in the server. */
  stdout: { write(text: string): unknown };
  /**
   * The absolute public URL where this driver's delivery receipts are received
   * (`<issuer>gateway/receipts/<driver>`), for drivers that name a status callback per message.
   */
  receiptUrl?: string;
}

type SettingName<Settings extends TObject> = keyof Static<Settings> & string;

/**
 * Everything otpline knows about a provider, exported by its folder's index.ts. The config
 * schema, the environment variables, `otpline help` and the README table all derive from it.
 */
export interface DriverDefinition<Settings extends TObject = TObject> {
  /** Lower-case letters, digits and inner hyphens (`clickatell-legacy`): the value of OTPLINE_PROVIDER and the config key `provider.<name>`; env vars write hyphens as `_`. */
  readonly name: string;
  readonly metadata: DriverMetadata;
  /** TypeBox schema of `provider.<name>`; each property's `description` is its help text. */
  readonly settings: Settings;
  /** Credentials: marked in help, never printed, and checked to stay out of every result's detail. */
  readonly secrets?: ReadonlyArray<SettingName<Settings>>;
  /** Environment variables named otherwise than OTPLINE_<NAME>_<SETTING>. */
  readonly envNames?: Partial<Record<SettingName<Settings>, string>>;
  /** Builds the provider from settings the schema has checked, defaults filled. */
  create(settings: Static<Settings>, context: DriverContext): SmsProvider;
}

/** A driver of any settings, as the registry lists them. */
export type Driver = DriverDefinition<TObject>;

/**
 * Types a driver against its own schema, then lets it join a list of drivers with other schemas.
 * The cast is safe because the config loader only ever passes a driver settings its schema checked.
 */
export function defineDriver<Settings extends TObject>(driver: DriverDefinition<Settings>): Driver {
  return driver as unknown as Driver;
}

/** `OTPLINE_TWILIO_ACCOUNT_SID` for setting `accountSid` of driver `twilio`, unless the driver names it. */
export function settingEnvName(driver: Driver, setting: string): string {
  const named = (driver.envNames as Record<string, string | undefined> | undefined)?.[setting];
  if (named) return named;
  const words = setting.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return `OTPLINE_${driver.name.replaceAll('-', '_')}_${words}`.toUpperCase();
}

/** Refuses a driver list that would make names ambiguous: each name once, in the form env vars need. */
export function checkDrivers(drivers: readonly Driver[]): void {
  const seen = new Set<string>();
  for (const driver of drivers) {
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(driver.name))
      throw new Error(
        `provider driver name "${driver.name}" must be lower-case letters, digits and inner hyphens`,
      );
    if (seen.has(driver.name)) throw new Error(`two provider drivers are named "${driver.name}"`);
    seen.add(driver.name);
  }
}
