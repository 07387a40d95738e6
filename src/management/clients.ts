import Type, { type Static } from 'typebox';
import { refuseDashboardClient } from '../admin/built-ins.js';
import type { App } from '../http/app-type.js';
import { InvalidBody, ManagementError, NotFound } from '../http/errors.js';
import { MAX_FREE_FORM_DEPTH } from '../http/json-depth.js';
import type { Services } from '../services.js';
import {
  type AppType,
  type Client,
  GRANT_CLIENT_CREDENTIALS,
  GRANT_LEGACY_RO,
  GRANT_PASSWORDLESS_OTP,
  type TokenEndpointAuthMethod,
} from '../store/clients.js';
import { newSecret, randomAlphanumeric } from '../util/ids.js';
import {
  IdParams,
  type ManagementAuthDeps,
  NoContent,
  PagedReply,
  PageQuery,
  paged,
  requireScope,
} from './auth.js';

const KNOWN_GRANTS = [
  'authorization_code',
  'implicit',
  'refresh_token',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
  GRANT_CLIENT_CREDENTIALS,
  GRANT_PASSWORDLESS_OTP,
  GRANT_LEGACY_RO,
];

const AppTypeSchema = Type.Union(
  ['native', 'spa', 'regular_web', 'non_interactive'].map((v) => Type.Literal(v)),
);
const AuthMethodSchema = Type.Union(
  ['none', 'client_secret_post', 'client_secret_basic'].map((v) => Type.Literal(v)),
);

/** `js` → `[jJ][sS]`: JSON Schema patterns have no case-insensitive flag. */
const anyCase = (word: string) => [...word].map((c) => `[${c}${c.toUpperCase()}]`).join('');

/** Absolute URLs (a native app's custom scheme included), never ones a browser would run or read locally. */
const UrlList = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 2048,
    pattern: `^(?!(?:${['javascript', 'data', 'vbscript', 'file', 'blob'].map(anyCase).join('|')}):)[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$`,
  }),
  { maxItems: 100 },
);
/** Origins: scheme://host[:port], with Auth0's `*.` for one level of subdomains; no path. */
const OriginList = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 2048,
    pattern: '^[A-Za-z][A-Za-z0-9+.-]*://(\\*\\.)?[^/\\s*?#@]+/?$',
  }),
  { maxItems: 100 },
);

const Fields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.String({ maxLength: 140 }),
  app_type: AppTypeSchema,
  token_endpoint_auth_method: AuthMethodSchema,
  grant_types: Type.Array(Type.Union(KNOWN_GRANTS.map((g) => Type.Literal(g))), { maxItems: 20 }),
  callbacks: UrlList,
  web_origins: OriginList,
  allowed_origins: OriginList,
  allowed_logout_urls: UrlList,
  jwt_configuration: Type.Object(
    {
      alg: Type.Optional(Type.Union([Type.Literal('RS256'), Type.Literal('HS256')])),
      lifetime_in_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 2_592_000 })),
    },
    { additionalProperties: true, maxDepth: MAX_FREE_FORM_DEPTH },
  ),
  is_first_party: Type.Boolean(),
  client_metadata: Type.Record(Type.String(), Type.String({ maxLength: 255 }), { maxProperties: 10 }),
};

/**
 * Auth0 has many more client fields (`logo_uri`, `oidc_conformant`, `refresh_token`, `addons`, ...).
 * otpline keeps any such snake_case field as sent and returns it, so tools that read back what
 * they wrote (Terraform, deploy scripts) see no drift; the ones it acts on are typed above.
 */
const otherAuth0Fields = {
  additionalProperties: true,
  propertyNames: { pattern: '^[a-z][a-z0-9_]{0,63}$' },
  maxProperties: 80,
  maxDepth: MAX_FREE_FORM_DEPTH,
};
/** Fields a caller may not set: otpline makes them, or they belong to Auth0's tenant model. */
const RESERVED = [
  'client_id',
  'client_secret',
  'tenant',
  'global',
  'signing_keys',
  'is_management',
  'created_at',
  'updated_at',
];

const CreateBody = Type.Object(
  {
    name: Fields.name,
    description: Type.Optional(Fields.description),
    app_type: Type.Optional(Fields.app_type),
    token_endpoint_auth_method: Type.Optional(Fields.token_endpoint_auth_method),
    grant_types: Type.Optional(Fields.grant_types),
    callbacks: Type.Optional(Fields.callbacks),
    web_origins: Type.Optional(Fields.web_origins),
    allowed_origins: Type.Optional(Fields.allowed_origins),
    allowed_logout_urls: Type.Optional(Fields.allowed_logout_urls),
    jwt_configuration: Type.Optional(Fields.jwt_configuration),
    is_first_party: Type.Optional(Fields.is_first_party),
    client_metadata: Type.Optional(Fields.client_metadata),
  },
  otherAuth0Fields,
);
const UpdateBody = Type.Partial(CreateBody, otherAuth0Fields);
type ClientBody = Static<typeof CreateBody> & Record<string, unknown>;

const ClientReply = Type.Object(
  {
    client_id: Type.String(),
    client_secret: Type.Optional(Type.String()),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    app_type: Type.String(),
    token_endpoint_auth_method: Type.String(),
    grant_types: Type.Array(Type.String()),
    callbacks: Type.Array(Type.String()),
    web_origins: Type.Array(Type.String()),
    allowed_origins: Type.Array(Type.String()),
    allowed_logout_urls: Type.Array(Type.String()),
    jwt_configuration: Type.Object({ alg: Type.String(), lifetime_in_seconds: Type.Integer() }),
    is_first_party: Type.Boolean(),
    client_metadata: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: true },
);

const TYPED = new Set(Object.keys(CreateBody.properties));

/** The untyped Auth0 fields of a request body, after refusing the reserved ones. */
function otherFields(body: Record<string, unknown>): Record<string, unknown> {
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (TYPED.has(key)) continue;
    if (RESERVED.includes(key)) throw new InvalidBody(`Additional properties not allowed: ${key}`);
    other[key] = value;
  }
  return other;
}

function defaultAuthMethod(appType: AppType): TokenEndpointAuthMethod {
  return appType === 'native' || appType === 'spa' ? 'none' : 'client_secret_post';
}

/** What a new client may do when the request does not say: phone login, or management for M2M. */
function defaultGrants(appType: AppType): string[] {
  return appType === 'non_interactive'
    ? [GRANT_CLIENT_CREDENTIALS]
    : ['authorization_code', 'implicit', 'refresh_token', GRANT_PASSWORDLESS_OTP, GRANT_LEGACY_RO];
}

/** The client as the API shows it. The secret is shown only when created or rotated. */
function present(client: Client, withSecret = false): Static<typeof ClientReply> {
  return {
    ...client.extra,
    client_id: client.client_id,
    ...(withSecret && client.client_secret ? { client_secret: client.client_secret } : {}),
    name: client.name,
    ...(client.description ? { description: client.description } : {}),
    app_type: client.app_type,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    callbacks: client.callbacks,
    web_origins: client.web_origins,
    allowed_origins: client.allowed_origins,
    allowed_logout_urls: client.allowed_logout_urls,
    jwt_configuration: client.jwt_configuration,
    is_first_party: client.is_first_party,
    client_metadata: client.client_metadata,
  };
}

export function newClient(body: ClientBody, now: number, overrides: Partial<Client> = {}): Client {
  const appType = (body.app_type as AppType | undefined) ?? 'regular_web';
  return {
    client_id: randomAlphanumeric(32),
    client_secret: newSecret(),
    name: body.name,
    description: body.description ?? null,
    app_type: appType,
    token_endpoint_auth_method:
      (body.token_endpoint_auth_method as TokenEndpointAuthMethod | undefined) ?? defaultAuthMethod(appType),
    grant_types: body.grant_types ?? defaultGrants(appType),
    callbacks: body.callbacks ?? [],
    web_origins: body.web_origins ?? [],
    allowed_origins: body.allowed_origins ?? [],
    allowed_logout_urls: body.allowed_logout_urls ?? [],
    extra: otherFields(body),
    jwt_configuration: {
      alg: body.jwt_configuration?.alg ?? 'RS256',
      lifetime_in_seconds: body.jwt_configuration?.lifetime_in_seconds ?? 36_000,
    },
    is_first_party: body.is_first_party ?? true,
    is_management: false,
    client_metadata: body.client_metadata ?? {},
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

/** PATCH sets the fields it names; `null` removes one, as Auth0's nullable fields do. */
function mergeOther(
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...previous };
  for (const [key, value] of Object.entries(next)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

const tags = ['Management API: clients'];

export function clientRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'clients' | 'clock'>,
): void {
  const { clients, clock } = services;
  const load = async (id: string) => {
    const client = await clients.get(id);
    if (!client) throw new NotFound('inexistent_client', 'Client not found');
    return client;
  };

  app.post(
    '/api/v2/clients',
    {
      schema: { tags, summary: 'Create a client', body: CreateBody, response: { 201: ClientReply } },
      onRequest: requireScope(services, 'create:clients'),
    },
    async (request, reply) => {
      const client = newClient(request.body, clock.now());
      await clients.insert(client);
      reply.status(201);
      return present(client, true);
    },
  );

  app.get(
    '/api/v2/clients',
    {
      schema: {
        tags,
        summary: 'List clients',
        querystring: Type.Object(PageQuery),
        response: { 200: PagedReply('clients', ClientReply) },
      },
      onRequest: requireScope(services, 'read:clients'),
    },
    async (request) => {
      const { page, per_page } = request.query;
      const { clients: list, total } = await clients.list(page * per_page, per_page);
      return paged(
        'clients',
        list.map((c) => present(c)),
        total,
        request.query,
      );
    },
  );

  app.get(
    '/api/v2/clients/:id',
    {
      schema: { tags, summary: 'Get a client', params: IdParams, response: { 200: ClientReply } },
      onRequest: requireScope(services, 'read:clients'),
    },
    async (request) => present(await load(request.params.id)),
  );

  app.patch(
    '/api/v2/clients/:id',
    {
      schema: {
        tags,
        summary: 'Update a client',
        params: IdParams,
        body: UpdateBody,
        response: { 200: ClientReply },
      },
      onRequest: requireScope(services, 'update:clients'),
    },
    async (request) => {
      refuseDashboardClient(request.params.id);
      const client = await load(request.params.id);
      const body = request.body;
      const updated: Client = {
        ...client,
        name: body.name ?? client.name,
        description: body.description ?? client.description,
        app_type: (body.app_type as AppType | undefined) ?? client.app_type,
        token_endpoint_auth_method:
          (body.token_endpoint_auth_method as TokenEndpointAuthMethod | undefined) ??
          client.token_endpoint_auth_method,
        grant_types: body.grant_types ?? client.grant_types,
        callbacks: body.callbacks ?? client.callbacks,
        web_origins: body.web_origins ?? client.web_origins,
        allowed_origins: body.allowed_origins ?? client.allowed_origins,
        allowed_logout_urls: body.allowed_logout_urls ?? client.allowed_logout_urls,
        extra: mergeOther(client.extra, otherFields(body)),
        jwt_configuration: { ...client.jwt_configuration, ...body.jwt_configuration },
        is_first_party: body.is_first_party ?? client.is_first_party,
        client_metadata: body.client_metadata ?? client.client_metadata,
        updated_at: clock.now(),
      };
      await clients.update(updated);
      return present(updated);
    },
  );

  app.post(
    '/api/v2/clients/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: "Replace a client's secret",
        params: IdParams,
        response: { 200: ClientReply },
      },
      onRequest: requireScope(services, 'update:clients'),
    },
    async (request) => {
      refuseDashboardClient(request.params.id);
      const client = await load(request.params.id);
      const updated = { ...client, client_secret: newSecret(), updated_at: clock.now() };
      await clients.update(updated);
      return present(updated, true);
    },
  );

  app.delete(
    '/api/v2/clients/:id',
    {
      schema: { tags, summary: 'Delete a client', params: IdParams, response: { 204: NoContent } },
      onRequest: requireScope(services, 'delete:clients'),
    },
    async (request, reply) => {
      refuseDashboardClient(request.params.id);
      const client = await load(request.params.id);
      if (client.is_management) {
        throw new ManagementError(
          400,
          'operation_not_supported',
          'The management client is configured at start-up and cannot be deleted',
        );
      }
      await clients.delete(client.client_id);
      reply.status(204);
    },
  );
}
