import Type, { type Static } from 'typebox';

/**
 * Every setting otpline reads, with its default. Environment variables and flags map onto these
 * paths in load.ts; the README's configuration table is written from this file.
 */
export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
    host: Type.String({ default: '127.0.0.1', description: 'Interface to listen on' }),
    dataDir: Type.String({
      default: './data',
      description: 'Directory for the SQLite database and generated secrets',
    }),
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
      { default: 'info' },
    ),
    admin: Type.Object(
      {
        clientId: Type.Optional(Type.String({ minLength: 1 })),
        clientSecret: Type.Optional(Type.String({ minLength: 16 })),
      },
      { default: {} },
    ),
    tls: Type.Optional(Type.Object({ cert: Type.String(), key: Type.String() })),
    gateway: Type.Object(
      {
        secret: Type.Optional(
          Type.String({ minLength: 16, description: 'HS256 secret inbound gateway JWTs are signed with' }),
        ),
        secretBase64Encoded: Type.Boolean({ default: false }),
        audience: Type.Optional(
          Type.String({
            description: 'Expected `aud` of inbound gateway JWTs. Default: <issuer>gateway/sms',
          }),
        ),
        allowUnauthenticatedFrom: Type.Array(Type.String(), {
          default: [],
          description: 'CIDR networks allowed to call the gateway without a bearer token (explicit opt-out)',
        }),
        outboundTimeoutMs: Type.Integer({
          minimum: 100,
          default: 30000,
          description: 'Timeout for calls to an external gateway_url',
        }),
      },
      { default: {} },
    ),
    provider: Type.Object(
      {
        name: Type.Union([Type.Literal('console'), Type.Literal('webhook')], { default: 'console' }),
        webhook: Type.Optional(
          Type.Object({
            url: Type.String(),
            secret: Type.Optional(
              Type.String({ minLength: 16, description: 'Signs each POST (X-Otpline-Signature)' }),
            ),
            timeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
          }),
        ),
      },
      { default: {} },
    ),
    outbox: Type.Object(
      {
        pollIntervalMs: Type.Integer({ minimum: 10, default: 1000 }),
        batchSize: Type.Integer({ minimum: 1, default: 50 }),
        leaseMs: Type.Integer({ minimum: 1000, default: 60000 }),
        maxAttempts: Type.Integer({ minimum: 1, default: 8 }),
        retryBaseMs: Type.Integer({ minimum: 1, default: 1000 }),
        retryMaxMs: Type.Integer({ minimum: 1, default: 60000 }),
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
        sendsPerPhone: Type.Integer({ minimum: 1, default: 5 }),
        sendsPerPhoneWindowSeconds: Type.Integer({ minimum: 1, default: 600 }),
        startsPerIpWithoutSecret: Type.Integer({ minimum: 1, default: 50 }),
        startsPerIpWindowSeconds: Type.Integer({ minimum: 1, default: 3600 }),
        attemptsPerCode: Type.Integer({ minimum: 1, maximum: 5, default: 3 }),
        failuresBeforeBlock: Type.Integer({ minimum: 1, default: 10 }),
        blockSeconds: Type.Integer({ minimum: 1, default: 900 }),
      },
      { default: {} },
    ),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 65536 }),
    trustProxy: Type.Boolean({ default: false, description: 'Trust X-Forwarded-For from a reverse proxy' }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema> & { issuer: string };
