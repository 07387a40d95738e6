import Type, { type Static } from 'typebox';
import { checkConnectionChange, refuseOperatorsConnectionDelete } from '../admin/built-ins.js';
import type { App } from '../http/app-type.js';
import { Conflict, InvalidBody, NotFound } from '../http/errors.js';
import { MAX_FREE_FORM_DEPTH } from '../http/json-depth.js';
import { checkTemplate, TemplateError } from '../messages/template.js';
import type { Services } from '../services.js';
import type { Connection, SmsConnectionOptions } from '../store/connections.js';
import { isForeignKeyViolation } from '../store/database.js';
import { prefixedId } from '../util/ids.js';
import {
  IdParams,
  type ManagementAuthDeps,
  NoContent,
  PagedReply,
  type PageParams,
  PageQuery,
  paged,
  requireScope,
} from './auth.js';

const NAME_PATTERN = '^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$';

/** `options` of an sms connection: the fields Auth0's Management API documents, others kept as sent. */
const SmsOptions = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    strategy: Type.Optional(Type.String()),
    provider: Type.Optional(Type.Union([Type.Literal('twilio'), Type.Literal('sms_gateway')])),
    gateway_url: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    gateway_authentication: Type.Optional(
      Type.Object(
        {
          method: Type.String({ minLength: 1, maxLength: 32 }),
          subject: Type.Optional(Type.String({ maxLength: 64 })),
          audience: Type.String({ minLength: 1, maxLength: 128 }),
          secret: Type.Optional(Type.String({ minLength: 1, maxLength: 5120 })),
          secret_base64_encoded: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    forward_req_info: Type.Optional(
      Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false')]),
    ),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    syntax: Type.Optional(Type.Union([Type.Literal('md_with_macros'), Type.Literal('liquid')])),
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 5120 })),
    totp: Type.Optional(
      Type.Object(
        {
          time_step: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
          length: Type.Optional(Type.Integer({ minimum: 4, maximum: 40 })),
        },
        { additionalProperties: false },
      ),
    ),
    disable_signup: Type.Optional(Type.Boolean()),
    brute_force_protection: Type.Optional(Type.Boolean()),
    twilio_sid: Type.Optional(Type.String({ maxLength: 255 })),
    twilio_token: Type.Optional(Type.String({ maxLength: 255 })),
    messaging_service_sid: Type.Optional(Type.String({ maxLength: 255 })),
    // otpline's abuse rules for this connection (docs/security.md).
    allowed_countries: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 300, uniqueItems: true }),
    ),
    denied_countries: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 300, uniqueItems: true }),
    ),
    sms_budget_per_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    sms_budget_per_day: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    abuse_limits: Type.Optional(
      Type.Object(
        {
          per_prefix_per_minute: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          per_prefix_per_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          per_country_per_minute: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          per_country_per_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
          phones_per_ip: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          conversion_guard: Type.Optional(Type.Boolean()),
        },
        {
          additionalProperties: false,
          description: "otpline: this connection's volume limits over the configured ones (docs/security.md)",
        },
      ),
    ),
  },
  { additionalProperties: true, maxDepth: MAX_FREE_FORM_DEPTH },
);

const CommonFields = {
  options: Type.Optional(SmsOptions),
  enabled_clients: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })),
  display_name: Type.Optional(Type.String({ maxLength: 128 })),
  is_domain_connection: Type.Optional(Type.Boolean()),
  realms: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 10 })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 255 }))),
};

const CreateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    strategy: Type.Optional(Type.String({ minLength: 1 })),
    ...CommonFields,
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(CommonFields, { additionalProperties: false });

const ConnectionReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  strategy: Type.String(),
  display_name: Type.Optional(Type.String()),
  options: Type.Object({}, { additionalProperties: true }),
  enabled_clients: Type.Array(Type.String()),
  is_domain_connection: Type.Boolean(),
  realms: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
});

const ListQuery = Type.Object({
  ...PageQuery,
  strategy: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
});

/** Options as the API shows them: secrets are kept, never returned. */
function publicOptions(options: SmsConnectionOptions): SmsConnectionOptions {
  const { twilio_token: _token, gateway_authentication, ...rest } = options;
  if (!gateway_authentication) return rest;
  const { secret: _secret, ...auth } = gateway_authentication;
  return { ...rest, gateway_authentication: auth };
}

function present(connection: Connection): Static<typeof ConnectionReply> {
  return {
    id: connection.id,
    name: connection.name,
    strategy: connection.strategy,
    ...(connection.display_name ? { display_name: connection.display_name } : {}),
    options: publicOptions(connection.options),
    enabled_clients: connection.enabled_clients,
    is_domain_connection: connection.is_domain_connection,
    realms: connection.realms,
    metadata: connection.metadata,
  };
}

/** Rules the schema alone cannot say. */
function checkOptions(options: SmsConnectionOptions): void {
  if (options.gateway_url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.gateway_url);
    } catch {
      throw new InvalidBody('gateway_url must be an absolute http or https URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new InvalidBody('gateway_url must be an http or https URL');
  }
  if (options.provider === 'sms_gateway' && !options.gateway_url) {
    throw new InvalidBody('gateway_url is required when provider is sms_gateway');
  }
  if (options.gateway_authentication && !options.gateway_authentication.secret) {
    throw new InvalidBody('Missing required property: secret');
  }
  if (options.template) {
    try {
      checkTemplate(options.syntax ?? 'md_with_macros', options.template);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new InvalidBody(templateProblem(err, options.syntax ?? 'md_with_macros'));
    }
  }
}

function templateProblem(err: TemplateError, syntax: string): string {
  switch (err.reason) {
    case 'too_costly':
      return 'template is too costly to render (it exceeds the time or memory limit of the sandbox)';
    case 'too_long':
      return `template is too long once rendered (${err.message})`;
    default:
      return `template is not valid ${syntax}: ${err.message}`;
  }
}

/** PATCH replaces `options` whole, as in Auth0; a secret left out (as GET shows it) is kept. */
function keepSecrets(next: SmsConnectionOptions, previous: SmsConnectionOptions): SmsConnectionOptions {
  const merged = { ...next };
  if (
    next.gateway_authentication &&
    !next.gateway_authentication.secret &&
    previous.gateway_authentication?.secret
  ) {
    merged.gateway_authentication = {
      ...next.gateway_authentication,
      secret: previous.gateway_authentication.secret,
      secret_base64_encoded:
        next.gateway_authentication.secret_base64_encoded ??
        previous.gateway_authentication.secret_base64_encoded,
    };
  }
  if (next.twilio_sid !== undefined && next.twilio_token === undefined && previous.twilio_token)
    merged.twilio_token = previous.twilio_token;
  return merged;
}

const tags = ['Management API: connections'];

export function connectionRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'clients' | 'connections' | 'clock'>,
): void {
  const { connections, clients, clock } = services;

  const load = async (id: string) => {
    const connection = await connections.get(id);
    if (!connection) throw new NotFound('inexistent_connection', 'The connection does not exist');
    return connection;
  };
  const checkClients = async (ids: string[]) => {
    const known = await clients.existing(ids);
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw new InvalidBody(`enabled_clients has unknown clients: ${unknown.join(', ')}`);
  };
  /** Writes a connection; a client deleted since `checkClients` looked is refused by the database. */
  const save = async (write: Promise<void>) => {
    try {
      await write;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new InvalidBody('enabled_clients has unknown clients');
      throw err;
    }
  };

  app.post(
    '/api/v2/connections',
    {
      schema: { tags, summary: 'Create a connection', body: CreateBody, response: { 201: ConnectionReply } },
      onRequest: requireScope(services, 'create:connections'),
    },
    async (request, reply) => {
      const body = request.body;
      const options: SmsConnectionOptions = body.options ?? {};
      // Auth0's walk-through puts name and strategy inside options; the top level wins when both are given.
      const name = body.name ?? options.name;
      const strategy = body.strategy ?? options.strategy;
      if (!name) throw new InvalidBody('Missing required property: name');
      if (!new RegExp(NAME_PATTERN).test(name))
        throw new InvalidBody(`String does not match pattern: ${NAME_PATTERN}`);
      if (!strategy) throw new InvalidBody('Missing required property: strategy');
      if (strategy !== 'sms')
        throw new InvalidBody(`strategy "${strategy}" is not supported: otpline serves "sms" connections`);
      checkOptions(options);
      const enabled = [...new Set(body.enabled_clients ?? [])];
      checkConnectionChange({ name, options, enabled_clients: enabled });
      await checkClients(enabled);
      if (await connections.getByName(name))
        throw new Conflict('connection_conflict', 'A connection with the same name already exists');
      const now = clock.now();
      const connection: Connection = {
        id: prefixedId('con'),
        name,
        strategy,
        display_name: body.display_name ?? null,
        options,
        enabled_clients: enabled,
        is_domain_connection: body.is_domain_connection ?? false,
        realms: body.realms ?? [name],
        metadata: body.metadata ?? {},
        created_at: now,
        updated_at: now,
      };
      try {
        await save(connections.insert(connection));
      } catch (err) {
        if (await connections.getByName(name))
          throw new Conflict('connection_conflict', 'A connection with the same name already exists');
        throw err;
      }
      reply.status(201);
      return present(connection);
    },
  );

  app.get(
    '/api/v2/connections',
    {
      schema: {
        tags,
        summary: 'List connections',
        querystring: ListQuery,
        response: { 200: PagedReply('connections', ConnectionReply) },
      },
      onRequest: requireScope(services, 'read:connections'),
    },
    async (request) => {
      const q = request.query;
      const { connections: list, total } = await connections.list(
        { strategy: q.strategy, name: q.name },
        q.page * q.per_page,
        q.per_page,
      );
      return paged('connections', list.map(present), total, q as PageParams);
    },
  );

  app.get(
    '/api/v2/connections/:id',
    {
      schema: { tags, summary: 'Get a connection', params: IdParams, response: { 200: ConnectionReply } },
      onRequest: requireScope(services, 'read:connections'),
    },
    async (request) => present(await load(request.params.id)),
  );

  app.patch(
    '/api/v2/connections/:id',
    {
      schema: {
        tags,
        summary: 'Update a connection (options are replaced whole)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: ConnectionReply },
      },
      onRequest: requireScope(services, 'update:connections'),
    },
    async (request) => {
      const connection = await load(request.params.id);
      const body = request.body;
      const options = body.options ? keepSecrets(body.options, connection.options) : connection.options;
      checkOptions(options);
      const enabled = body.enabled_clients ? [...new Set(body.enabled_clients)] : connection.enabled_clients;
      checkConnectionChange({ name: connection.name, options, enabled_clients: enabled });
      if (body.enabled_clients) await checkClients(enabled);
      const updated: Connection = {
        ...connection,
        options,
        enabled_clients: enabled,
        display_name: body.display_name ?? connection.display_name,
        is_domain_connection: body.is_domain_connection ?? connection.is_domain_connection,
        realms: body.realms ?? connection.realms,
        metadata: body.metadata ?? connection.metadata,
        updated_at: clock.now(),
      };
      await save(connections.update(updated));
      return present(updated);
    },
  );

  app.delete(
    '/api/v2/connections/:id',
    {
      schema: { tags, summary: 'Delete a connection', params: IdParams, response: { 202: NoContent } },
      onRequest: requireScope(services, 'delete:connections'),
    },
    async (request, reply) => {
      refuseOperatorsConnectionDelete(await load(request.params.id));
      await connections.delete(request.params.id);
      reply.status(202);
    },
  );
}
