import Type, { type TObject, type TSchema } from 'typebox';
import { checkDrivers, type Driver, settingEnvName } from '../providers/driver.js';
import { DEFAULT_DRIVER } from '../providers/registry.js';
import { usedDriverNames } from './routing.js';

export type EnvKind = 'string' | 'int' | 'number' | 'bool' | 'list' | 'countries' | 'json' | 'test-numbers';

/** One setting of a driver, as config, environment, help and README see it. */
export interface DriverSetting {
  /** `timeoutMs` */
  key: string;
  /** `provider.webhook.timeoutMs` */
  path: string;
  /** `OTPLINE_WEBHOOK_TIMEOUT_MS` */
  env: string;
  kind: EnvKind;
  secret: boolean;
  /** Must be set when this driver is chosen: required by its schema, with no default. */
  required: boolean;
  description: string;
  default?: unknown;
}

interface SchemaNode {
  type?: unknown;
  default?: unknown;
  description?: string;
}

/** How an environment variable's text becomes the setting's value. */
export function envKindOf(schema: SchemaNode): EnvKind {
  if (schema.type === 'integer') return 'int';
  if (schema.type === 'number') return 'number';
  if (schema.type === 'boolean') return 'bool';
  if (schema.type === 'array') return 'list';
  // A structured setting (an HTTP driver's headers or body): a JSON object in its variable.
  if (schema.type === 'object') return 'json';
  return 'string';
}

export function driverSettings(driver: Driver): DriverSetting[] {
  const required = new Set<string>(driver.settings.required ?? []);
  const secrets = new Set<string>(driver.secrets ?? []);
  return Object.entries(driver.settings.properties as Record<string, SchemaNode>).map(([key, schema]) => ({
    key,
    path: `provider.${driver.name}.${key}`,
    env: settingEnvName(driver, key),
    kind: envKindOf(schema),
    secret: secrets.has(key),
    required: required.has(key) && schema.default === undefined,
    description: schema.description ?? '',
    ...(schema.default === undefined ? {} : { default: schema.default }),
  }));
}

/** `provider`: which driver (`name`), and each driver's settings under its own name. */
export function providerSchema(drivers: readonly Driver[]): TObject<{ name: TSchema }> {
  checkDrivers(drivers);
  if (!drivers.some((d) => d.name === DEFAULT_DRIVER))
    throw new Error(`the provider drivers must include "${DEFAULT_DRIVER}", the default`);
  const settings = Object.fromEntries(drivers.map((d) => [d.name, Type.Optional(d.settings)]));
  const summary = drivers.map((d) => `${d.name} ${d.metadata.summary}`).join(', ');
  return Type.Object(
    {
      name: Type.Union(
        drivers.map((d) => Type.Literal(d.name)),
        { default: DEFAULT_DRIVER, description: `Delivers gateway and in-process messages: ${summary}` },
      ),
      ...settings,
    },
    { default: {} },
  );
}

/**
 * Names a missing setting of the chosen driver with its environment variable, which the schema's
 * own message cannot, and gives that driver an (empty) section so the schema fills its defaults.
 * Returns the problems found.
 */
export function prepareProviderSection(tree: Record<string, unknown>, drivers: readonly Driver[]): string[] {
  const section = (tree.provider ?? {}) as Record<string, unknown>;
  // Not an object: the schema says so, by its path.
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return [];
  const name = section.name ?? DEFAULT_DRIVER;
  if (!drivers.some((d) => d.name === name)) {
    const names = drivers.map((d) => d.name).join(', ');
    return [`provider.name (OTPLINE_PROVIDER) must be one of ${names}; got ${JSON.stringify(name)}`];
  }
  // The default provider and every provider a route names must be configured.
  const problems: string[] = [];
  const filled: Record<string, unknown> = { ...section };
  for (const used of usedDriverNames(tree, DEFAULT_DRIVER)) {
    const driver = drivers.find((d) => d.name === used);
    if (!driver) continue; // an unknown name in a route: the schema says so, by its path
    const own = section[driver.name] ?? {};
    if (typeof own !== 'object' || own === null) continue;
    filled[driver.name] = own;
    const given = own as Record<string, unknown>;
    const why = driver.name === name ? `the provider is "${name}"` : `a route uses "${driver.name}"`;
    for (const s of driverSettings(driver)) {
      if (s.required && (given[s.key] ?? '') === '')
        problems.push(`${s.path} (${s.env}) is required when ${why}`);
    }
  }
  tree.provider = filled;
  return problems;
}
