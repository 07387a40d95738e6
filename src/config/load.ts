import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import type { Driver } from '../providers/driver.js';
import { drivers as defaultDrivers } from '../providers/registry.js';
import { envVars, fromEnv } from './env.js';
import { ConfigError } from './errors.js';
import { prepareProviderSection } from './provider-settings.js';
import { buildConfigSchema, type Config, ConfigSchema } from './schema.js';

export { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;
type Tree = Record<string, unknown>;

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null;
    out[key] = bothObjects ? merge(current as Tree, value as Tree) : value;
  }
  return out;
}

function fromFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Tree;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export interface LoadOptions {
  env?: Env;
  /** Settings from command-line flags: they win over the environment, which wins over the file. */
  overrides?: Tree;
  configPath?: string;
  /** The provider drivers to configure; the ones otpline ships unless a test adds its own. */
  drivers?: readonly Driver[];
}

/** Builds the configuration once at start-up: defaults < config file < environment < flags. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const drivers = options.drivers ?? defaultDrivers;
  const schema = options.drivers ? buildConfigSchema(drivers) : ConfigSchema;
  const configPath = options.configPath ?? env.OTPLINE_CONFIG;
  let tree: Tree = configPath ? fromFile(configPath) : {};
  tree = merge(tree, fromEnv(env, envVars(drivers)));
  tree = merge(tree, options.overrides ?? {});
  const missing = prepareProviderSection(tree, drivers);
  if (missing.length) throw new ConfigError(missing.join('\n'));
  const withDefaults = Value.Default(schema, tree);
  if (!Value.Check(schema, withDefaults)) {
    const problems = [...Value.Errors(schema, withDefaults)].map((e) => {
      const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      return `${path}: ${e.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = withDefaults as Config;
  if ((config.admin.clientId === undefined) !== (config.admin.clientSecret === undefined)) {
    throw new ConfigError('OTPLINE_ADMIN_CLIENT_ID and OTPLINE_ADMIN_CLIENT_SECRET must be set together');
  }
  const { abuse } = config;
  if (abuse.testNumbers.length > 0 && env.NODE_ENV === 'production' && !abuse.testNumbersInProduction) {
    throw new ConfigError(
      'test numbers (OTPLINE_TEST_NUMBERS) are refused when NODE_ENV=production: remove them, or set abuse.testNumbersInProduction (OTPLINE_TEST_NUMBERS_IN_PRODUCTION=true) to keep them',
    );
  }
  if (abuse.captcha.provider !== 'none' && !abuse.captcha.secret) {
    throw new ConfigError('OTPLINE_CAPTCHA_PROVIDER needs OTPLINE_CAPTCHA_SECRET');
  }
  const both = abuse.allowedCountries.filter((c) => abuse.deniedCountries.includes(c));
  if (both.length) throw new ConfigError(`countries both allowed and denied: ${both.join(', ')}`);
  const scheme = config.tls ? 'https' : 'http';
  const issuer = config.issuer ?? `${scheme}://localhost:${config.port}/`;
  try {
    new URL(issuer);
  } catch {
    throw new ConfigError(`issuer must be an absolute URL, got "${issuer}"`);
  }
  config.issuer = issuer.endsWith('/') ? issuer : `${issuer}/`;
  return config;
}
