import type { Driver } from '../providers/driver.js';
import { ConfigError } from './errors.js';
import { driverSettings, type EnvKind } from './provider-settings.js';

export interface EnvVar {
  name: string;
  /** The config path it sets. */
  path: string;
  kind: EnvKind;
  /** Its value is never repeated in an error message. */
  secret?: boolean;
}

/** Environment variables of otpline's own settings. Operators and scripts rely on these names. */
export const CORE_ENV_VARS: readonly EnvVar[] = [
  { name: 'OTPLINE_PORT', path: 'port', kind: 'int' },
  { name: 'OTPLINE_HOST', path: 'host', kind: 'string' },
  { name: 'OTPLINE_DATA_DIR', path: 'dataDir', kind: 'string' },
  { name: 'OTPLINE_ISSUER', path: 'issuer', kind: 'string' },
  { name: 'OTPLINE_LOG_LEVEL', path: 'logLevel', kind: 'string' },
  { name: 'OTPLINE_LOG_FORMAT', path: 'logFormat', kind: 'string' },
  { name: 'OTPLINE_ADMIN_CLIENT_ID', path: 'admin.clientId', kind: 'string' },
  { name: 'OTPLINE_ADMIN_CLIENT_SECRET', path: 'admin.clientSecret', kind: 'string', secret: true },
  { name: 'OTPLINE_ADMIN_OPERATORS', path: 'admin.operators', kind: 'list' },
  { name: 'OTPLINE_TLS_CERT', path: 'tls.cert', kind: 'string' },
  { name: 'OTPLINE_TLS_KEY', path: 'tls.key', kind: 'string' },
  { name: 'OTPLINE_GATEWAY_SECRET', path: 'gateway.secret', kind: 'string', secret: true },
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
  { name: 'OTPLINE_ROUTING_FAILOVER_AFTER', path: 'routing.failoverAfter', kind: 'int' },
  { name: 'OTPLINE_ROUTING_PROVIDER_DOWN_SECONDS', path: 'routing.providerDownSeconds', kind: 'int' },
  { name: 'OTPLINE_DATABASE_URL', path: 'database.url', kind: 'string', secret: true },
  { name: 'OTPLINE_DATABASE_POOL_SIZE', path: 'database.poolSize', kind: 'int' },
  { name: 'OTPLINE_DATABASE_CONNECT_TIMEOUT_MS', path: 'database.connectTimeoutMs', kind: 'int' },
  { name: 'OTPLINE_DATABASE_STATEMENT_TIMEOUT_MS', path: 'database.statementTimeoutMs', kind: 'int' },
  { name: 'OTPLINE_LOG_RETENTION_DAYS', path: 'logs.retentionDays', kind: 'int' },
  { name: 'OTPLINE_MESSAGE_RETENTION_DAYS', path: 'outbox.retentionDays', kind: 'int' },
  { name: 'OTPLINE_ALLOWED_COUNTRIES', path: 'abuse.allowedCountries', kind: 'countries' },
  { name: 'OTPLINE_DENIED_COUNTRIES', path: 'abuse.deniedCountries', kind: 'countries' },
  { name: 'OTPLINE_BUDGET_PER_HOUR', path: 'abuse.budgetPerHour', kind: 'int' },
  { name: 'OTPLINE_BUDGET_PER_DAY', path: 'abuse.budgetPerDay', kind: 'int' },
  { name: 'OTPLINE_PHONES_PER_IP', path: 'abuse.phonesPerIp', kind: 'int' },
  { name: 'OTPLINE_CAPTCHA_PROVIDER', path: 'abuse.captcha.provider', kind: 'string' },
  { name: 'OTPLINE_CAPTCHA_SECRET', path: 'abuse.captcha.secret', kind: 'string', secret: true },
  { name: 'OTPLINE_CAPTCHA_VERIFY_URL', path: 'abuse.captcha.verifyUrl', kind: 'string' },
  { name: 'OTPLINE_CAPTCHA_MODE', path: 'abuse.captcha.mode', kind: 'string' },
  { name: 'OTPLINE_TEST_NUMBERS', path: 'abuse.testNumbers', kind: 'test-numbers' },
  { name: 'OTPLINE_TEST_NUMBERS_IN_PRODUCTION', path: 'abuse.testNumbersInProduction', kind: 'bool' },
  { name: 'OTPLINE_TRUST_PROXY', path: 'trustProxy', kind: 'bool' },
  { name: 'OTPLINE_SESSION_COOKIE_SAMESITE', path: 'login.sessionCookieSameSite', kind: 'string' },
  { name: 'OTPLINE_WEBOTP_DOMAIN', path: 'login.webOtpDomain', kind: 'string' },
  { name: 'OTPLINE_LOGIN_DEFAULT_COUNTRY', path: 'login.defaultCountry', kind: 'string' },
];

/** otpline's variables and each driver's, checked for a name used twice. */
export function envVars(drivers: readonly Driver[]): EnvVar[] {
  const all: EnvVar[] = [
    ...CORE_ENV_VARS,
    ...drivers.flatMap((driver) =>
      driverSettings(driver).map((s) => ({ name: s.env, path: s.path, kind: s.kind, secret: s.secret })),
    ),
  ];
  const names = new Set<string>();
  for (const { name } of all) {
    if (names.has(name)) throw new Error(`environment variable ${name} is claimed twice`);
    names.add(name);
  }
  return all;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

function parseEnvValue({ name, kind, secret }: EnvVar, raw: string): unknown {
  const got = secret ? '' : `, got "${raw}"`;
  const text = raw.trim();
  if (kind === 'int') {
    if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be a whole number${got}`);
    return Number(text);
  }
  if (kind === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new ConfigError(`${name} must be a number${got}`);
    return Number(text);
  }
  if (kind === 'bool') {
    if (!/^(true|false|1|0)$/i.test(text)) throw new ConfigError(`${name} must be true or false${got}`);
    return /^(true|1)$/i.test(text);
  }
  if (kind === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(`${name} must be a JSON object${got}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`${name} must be a JSON object${got}`);
    return parsed;
  }
  if (kind === 'test-numbers') {
    // "+15555550100:123456,+15555550101:654321"
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const [phone = '', code = ''] = entry.split(':').map((s) => s.trim());
        return { phone, code };
      });
  }
  if (kind === 'countries') {
    // "us, gb" reads as US and GB: ISO codes are upper case in the config.
    return raw
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean);
  }
  if (kind === 'list') {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return raw;
}

/** The settings the environment gives, as a config tree; unset and empty variables are skipped. */
export function fromEnv(env: Record<string, string | undefined>, vars: readonly EnvVar[]): Tree {
  const tree: Tree = {};
  for (const variable of vars) {
    const raw = env[variable.name];
    if (raw !== undefined && raw !== '') setPath(tree, variable.path, parseEnvValue(variable, raw));
  }
  return tree;
}
