import Type, { type Static } from 'typebox';
import type { Driver } from '../providers/driver.js';
import { drivers as defaultDrivers } from '../providers/registry.js';
import { AbuseSchema } from './abuse.js';
import { providerSchema } from './provider-settings.js';
import { routingSchema } from './routing.js';

/**
 * Every setting otpline reads, with its default; `provider` comes from the provider drivers.
 * Environment variables and flags map onto these paths in env.ts and load.ts; the README's
 * configuration table is written from this schema.
 */
export function buildConfigSchema(drivers: readonly Driver[]) {
  return Type.Object(
    {
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
      host: Type.String({ default: '127.0.0.1', description: 'Interface to listen on' }),
      dataDir: Type.String({
        default: './data',
        description: 'Directory for the SQLite database and generated secrets',
      }),
      database: Type.Object(
        {
          url: Type.Optional(
            Type.String({
              pattern: '^postgres(ql)?://',
              description:
                'postgres://user:password@host:5432/db: use PostgreSQL (several nodes) instead of the SQLite file in dataDir',
            }),
          ),
          poolSize: Type.Integer({
            minimum: 1,
            maximum: 1000,
            default: 10,
            description: 'PostgreSQL connections per node',
          }),
          connectTimeoutMs: Type.Integer({
            minimum: 100,
            default: 5000,
            description: 'How long to wait for a PostgreSQL connection before answering 503',
          }),
          statementTimeoutMs: Type.Integer({
            minimum: 100,
            default: 10000,
            description: 'PostgreSQL cancels a statement that runs longer (statement_timeout)',
          }),
        },
        { default: {} },
      ),
      issuer: Type.Optional(
        Type.String({
          description: 'Public base URL; the `iss` of tokens. Default: http(s)://localhost:<port>/',
        }),
      ),
      logLevel: Type.Union(
        [
          Type.Literal('fatal'),
          Type.Literal('error'),
          Type.Literal('warn'),
          Type.Literal('info'),
          Type.Literal('debug'),
          Type.Literal('silent'),
        ],
        { default: 'info', description: 'Log level; logs never hold codes, secrets or tokens' },
      ),
      logFormat: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], {
        default: 'auto',
        description:
          'pretty: one readable line per event; json: JSON lines; auto: pretty on a terminal, JSON otherwise',
      }),
      admin: Type.Object(
        {
          clientId: Type.Optional(
            Type.String({ minLength: 1, description: 'Management client created or updated at start' }),
          ),
          clientSecret: Type.Optional(
            Type.String({
              minLength: 16,
              description:
                'Its secret. Without both, the first start writes generated ones to <dataDir>/admin-credentials.json (0600)',
            }),
          ),
          operators: Type.Array(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }), {
            default: [],
            uniqueItems: true,
            description:
              'E.164 phone numbers that may sign in to the dashboard at /admin (by SMS). With none here and none added, the first start prints a one-time setup link (docs/admin.md)',
          }),
        },
        { default: {} },
      ),
      login: Type.Object(
        {
          sessionCookieSameSite: Type.Union([Type.Literal('lax'), Type.Literal('none')], {
            default: 'lax',
            description:
              'SameSite of the hosted login session cookie. lax: silent login (prompt=none) works for apps on the same site as otpline; none: also from other sites, as Auth0 does (still HttpOnly and Secure)',
          }),
          webOtpDomain: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 253,
              pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$',
              description:
                'The host of the login page as browsers see it: SMS from the hosted login end with the WebOTP line "@<host> #<code>", so the phone offers to fill the code in',
            }),
          ),
          defaultCountry: Type.String({
            pattern: '^[A-Z]{2}$',
            default: 'US',
            description:
              "The country (ISO code) the login page's phone field and Lock's start with when the browser's language names no region (en-GB names GB); never looked up from the IP",
          }),
        },
        { default: {} },
      ),
      tls: Type.Optional(
        Type.Object({
          cert: Type.String({
            description: 'PEM certificate file: serve HTTPS (the official Auth0 SDKs only speak https)',
          }),
          key: Type.String({ description: 'PEM private key file' }),
        }),
      ),
      gateway: Type.Object(
        {
          secret: Type.Optional(
            Type.String({ minLength: 16, description: 'HS256 secret inbound gateway JWTs are signed with' }),
          ),
          secretBase64Encoded: Type.Boolean({
            default: false,
            description: 'The gateway secret is base64url: decode it first (Auth0 `secret_base64_encoded`)',
          }),
          audience: Type.Optional(
            Type.String({
              description: 'Expected `aud` of inbound gateway JWTs. Default: <issuer>gateway/sms',
            }),
          ),
          allowUnauthenticatedFrom: Type.Array(Type.String(), {
            default: [],
            description:
              'CIDR networks allowed to call the gateway without a bearer token (explicit opt-out)',
          }),
          tokenMaxAgeSeconds: Type.Integer({
            minimum: 10,
            maximum: 86_400,
            default: 300,
            description:
              'Inbound gateway JWTs are accepted only within this many seconds of their `iat`, or of their `exp`',
          }),
          outboundTimeoutMs: Type.Integer({
            minimum: 100,
            default: 30000,
            description: 'Timeout for calls to an external gateway_url',
          }),
        },
        { default: {} },
      ),
      provider: providerSchema(drivers),
      routing: routingSchema(drivers),
      outbox: Type.Object(
        {
          pollIntervalMs: Type.Integer({
            minimum: 10,
            default: 1000,
            description: 'How often the worker looks for due messages (new ones wake it at once)',
          }),
          batchSize: Type.Integer({
            minimum: 1,
            default: 50,
            description: 'Messages the worker sends concurrently (it claims more as sends finish)',
          }),
          leaseMs: Type.Integer({
            minimum: 1000,
            default: 60000,
            description:
              'A message leased to a worker (claimed, or handed to it as it arrives) returns to the queue after this if the worker died; on SQLite, at once when otpline restarts',
          }),
          maxAttempts: Type.Integer({
            minimum: 1,
            default: 8,
            description: 'Delivery attempts before a message fails',
          }),
          retryBaseMs: Type.Integer({
            minimum: 1,
            default: 1000,
            description: 'First retry delay; doubles each attempt, with jitter',
          }),
          retryMaxMs: Type.Integer({ minimum: 1, default: 60000, description: 'Longest retry delay' }),
          retentionDays: Type.Integer({
            minimum: 1,
            maximum: 3650,
            default: 30,
            description:
              'How long a finished message and its attempts stay listed (GET /api/v2/sms-messages) before they are pruned',
          }),
          messageTtlMs: Type.Integer({
            minimum: 1000,
            default: 600000,
            description: 'Gateway messages not delivered by then expire',
          }),
        },
        { default: {} },
      ),
      limits: Type.Object(
        {
          sendsPerPhone: Type.Integer({
            minimum: 1,
            default: 5,
            description: 'Codes sent to one phone per window (Twilio Verify: 5 per 10 min)',
          }),
          sendsPerPhoneWindowSeconds: Type.Integer({
            minimum: 1,
            default: 600,
            description: 'Window of sendsPerPhone',
          }),
          startsPerIpWithoutSecret: Type.Integer({
            minimum: 1,
            default: 50,
            description:
              '/passwordless/start calls per IP per window from callers without a client secret (Auth0: 50/hour)',
          }),
          startsPerIpWindowSeconds: Type.Integer({
            minimum: 1,
            default: 3600,
            description: 'Window of startsPerIpWithoutSecret',
          }),
          attemptsPerCode: Type.Integer({
            minimum: 1,
            maximum: 5,
            default: 3,
            description: 'Wrong tries that void a code (Auth0: 3)',
          }),
          failuresBeforeBlock: Type.Integer({
            minimum: 1,
            default: 10,
            description: 'With brute_force_protection: failures within blockSeconds that block the phone',
          }),
          blockSeconds: Type.Integer({
            minimum: 1,
            default: 900,
            description: 'How long a blocked phone gets no codes and no logins',
          }),
        },
        { default: {} },
      ),
      abuse: AbuseSchema,
      logs: Type.Object(
        {
          retentionDays: Type.Integer({
            minimum: 1,
            maximum: 3650,
            default: 30,
            description: 'How long the security log (GET /api/v2/logs) keeps its events',
          }),
        },
        { default: {} },
      ),
      bodyLimitBytes: Type.Integer({
        minimum: 1024,
        default: 65536,
        description: 'Larger request bodies get 413',
      }),
      trustProxy: Type.Boolean({ default: false, description: 'Trust X-Forwarded-For from a reverse proxy' }),
    },
    { additionalProperties: false },
  );
}

/** The schema of the drivers otpline ships. */
export const ConfigSchema = buildConfigSchema(defaultDrivers);

/** `provider.name`, then each driver's settings under its name (checked by that driver's schema). */
export type ProviderConfig = { name: string } & Record<string, unknown>;

export type Config = Omit<Static<typeof ConfigSchema>, 'provider'> & {
  issuer: string;
  provider: ProviderConfig;
};
