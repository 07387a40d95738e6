import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { type Config, ConfigSchema } from './schema.js';

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;
type Tree = Record<string, unknown>;

/** Environment variables and the config path each sets. Operators and scripts rely on these names. */
export const ENV_VARS: ReadonlyArray<{
  name: string;
  path: string;
  kind: 'string' | 'int' | 'bool' | 'list';
}> = [
  { name: 'OTPLINE_PORT', path: 'port', kind: 'int' },
  { name: 'OTPLINE_HOST', path: 'host', kind: 'string' },
  { name: 'OTPLINE_DATA_DIR', path: 'dataDir', kind: 'string' },
  { name: 'OTPLINE_ISSUER', path: 'issuer', kind: 'string' },
  { name: 'OTPLINE_LOG_LEVEL', path: 'logLevel', kind: 'string' },
  { name: 'OTPLINE_LOG_FORMAT', path: 'logFormat', kind: 'string' },
  { name: 'OTPLINE_ADMIN_CLIENT_ID', path: 'admin.clientId', kind: 'string' },
  { name: 'OTPLINE_ADMIN_CLIENT_SECRET', path: 'admin.clientSecret', kind: 'string' },
  { name: 'OTPLINE_TLS_CERT', path: 'tls.cert', kind: 'string' },
  { name: 'OTPLINE_TLS_KEY', path: 'tls.key', kind: 'string' },
  { name: 'OTPLINE_GATEWAY_SECRET', path: 'gateway.secret', kind: 'string' },
  { name: 'OTPLINE_GATEWAY_SECRET_BASE64', path: 'gateway.secretBase64Encoded', kind: 'bool' },
  { name: 'OTPLINE_GATEWAY_AUDIENCE', path: 'gateway.audience', kind: 'string' },
  {
    name: 'OTPLINE_GATEWAY_ALLOW_UNAUTHENTICATED_FROM',
    path: 'gateway.allowUnauthenticatedFrom',
    kind: 'list',
  },
  { name: 'OTPLINE_GATEWAY_TOKEN_MAX_AGE_SECONDS', path: 'gateway.tokenMaxAgeSeconds', kind: 'int' },
  { name: 'OTPLINE_GATEWAY_TIMEOUT_MS', path: 'gateway.outboundTimeoutMs', kind: 'int' },
  { name: 'OTPLINE_PROVIDER', path: 'provider.name', kind: 'string' },
  { name: 'OTPLINE_WEBHOOK_URL', path: 'provider.webhook.url', kind: 'string' },
  { name: 'OTPLINE_WEBHOOK_SECRET', path: 'provider.webhook.secret', kind: 'string' },
  { name: 'OTPLINE_TRUST_PROXY', path: 'trustProxy', kind: 'bool' },
];

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

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

function parseEnvValue(name: string, kind: string, raw: string): unknown {
  if (kind === 'int') {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
    return Number(raw);
  }
  if (kind === 'bool') {
    if (!/^(true|false|1|0)$/i.test(raw.trim()))
      throw new ConfigError(`${name} must be true or false, got "${raw}"`);
    return /^(true|1)$/i.test(raw.trim());
  }
  if (kind === 'list') {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return raw;
}

export function fromEnv(env: Env): Tree {
  const tree: Tree = {};
  for (const { name, path, kind } of ENV_VARS) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(tree, path, parseEnvValue(name, kind, raw));
  }
  return tree;
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
}

/** Builds the configuration once at start-up: defaults < config file < environment < flags. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const configPath = options.configPath ?? env.OTPLINE_CONFIG;
  let tree: Tree = configPath ? fromFile(configPath) : {};
  tree = merge(tree, fromEnv(env));
  tree = merge(tree, options.overrides ?? {});
  const withDefaults = Value.Default(ConfigSchema, tree);
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const problems = [...Value.Errors(ConfigSchema, withDefaults)].map((e) => {
      const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      return `${path}: ${e.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = withDefaults as Config;
  if (config.provider.name === 'webhook' && !config.provider.webhook?.url) {
    throw new ConfigError(
      'provider.webhook.url (OTPLINE_WEBHOOK_URL) is required when the provider is "webhook"',
    );
  }
  if ((config.admin.clientId === undefined) !== (config.admin.clientSecret === undefined)) {
    throw new ConfigError('OTPLINE_ADMIN_CLIENT_ID and OTPLINE_ADMIN_CLIENT_SECRET must be set together');
  }
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
