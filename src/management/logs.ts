import Type, { type Static } from 'typebox';
import type { App } from '../http/app-type.js';
import { ManagementError, NotFound } from '../http/errors.js';
import type { Services } from '../services.js';
import type { EventFilter, SecurityEventRow } from '../store/events.js';
import { type ManagementAuthDeps, PagedReply, PageQuery, paged, requireScope } from './auth.js';
import { LogQueryError, parseLogQuery } from './log-query.js';
import { phoneFromQuery } from './phone-query.js';

const ListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(
    Type.String({
      maxLength: 2000,
      description:
        'Auth0 log search (a subset of Lucene): type, ip, client_id, connection, user_id, user_name (the phone) and date:[a TO b], joined by AND; a type may be (a OR b)',
    }),
  ),
  // auth0 v7's ManagementClient sends the same query as `search` (logs.list({search})).
  search: Type.Optional(
    Type.String({ maxLength: 2000, description: 'The same as q (used when q is absent)' }),
  ),
  sort: Type.Optional(
    Type.Union([Type.Literal('date:1'), Type.Literal('date:-1')], { description: 'Newest first by default' }),
  ),
  fields: Type.Optional(
    Type.String({ maxLength: 500, description: 'Comma-separated fields to include or leave out' }),
  ),
  include_fields: Type.Boolean({ default: true }),
  from: Type.Optional(
    Type.String({ maxLength: 64, description: 'Checkpoint paging: events after this log_id, oldest first' }),
  ),
  take: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Events per checkpoint page' })),
  // otpline: the common filters as plain parameters, for callers that do not write Lucene.
  type: Type.Optional(Type.String({ maxLength: 500, description: 'otpline: event types, comma-separated' })),
  phone_number: Type.Optional(Type.String({ maxLength: 64, description: 'otpline: the phone, E.164' })),
  ip: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 64 })),
  connection: Type.Optional(Type.String({ maxLength: 128 })),
  user_id: Type.Optional(Type.String({ maxLength: 64 })),
});

const LogEvent = Type.Object(
  {
    log_id: Type.String(),
    date: Type.String(),
    type: Type.String(),
    description: Type.String(),
    client_id: Type.Optional(Type.String()),
    client_name: Type.Optional(Type.String()),
    connection: Type.Optional(Type.String()),
    connection_id: Type.Optional(Type.String()),
    strategy: Type.Optional(Type.String()),
    strategy_type: Type.Optional(Type.String()),
    ip: Type.Optional(Type.String()),
    user_agent: Type.Optional(Type.String()),
    user_id: Type.Optional(Type.String()),
    user_name: Type.Optional(Type.String({ description: 'The phone number' })),
    hostname: Type.Optional(Type.String()),
    details: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'rule: the rule that refused or blocked' }),
    ),
  },
  { additionalProperties: false },
);
type LogEventBody = Static<typeof LogEvent>;

/** An event in Auth0's log shape; empty fields are left out, as Auth0 does. */
function present(row: SecurityEventRow, hostname: string): LogEventBody {
  const details = JSON.parse(row.details) as Record<string, unknown>;
  const optional: Array<[keyof LogEventBody, string | null]> = [
    ['client_id', row.client_id],
    ['client_name', row.client_name],
    ['connection', row.connection],
    ['connection_id', row.connection_id],
    ['ip', row.ip],
    ['user_agent', row.user_agent],
    ['user_id', row.user_id],
    ['user_name', row.phone_number],
  ];
  const body: LogEventBody = {
    log_id: row.id,
    date: new Date(row.date).toISOString(),
    type: row.type,
    description: row.description,
    hostname,
    details: row.rule ? { rule: row.rule, ...details } : details,
  };
  for (const [key, value] of optional) if (value !== null) Object.assign(body, { [key]: value });
  if (row.connection_id) Object.assign(body, { strategy: 'sms', strategy_type: 'passwordless' });
  return body;
}

/** Auth0's `fields` / `include_fields`: keep only, or leave out, the named fields. */
function pick(event: LogEventBody, fields: string | undefined, include: boolean): LogEventBody {
  if (!fields) return event;
  const names = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(
    Object.entries(event).filter(([key]) => names.has(key) === include),
  ) as LogEventBody;
}

function badQuery(message: string): ManagementError {
  return new ManagementError(400, 'invalid_query_string', message);
}

/** The filter from `q` and otpline's plain parameters together. */
function filterOf(query: Static<typeof ListQuery>): EventFilter {
  let filter: EventFilter;
  try {
    const q = query.q || query.search;
    filter = q ? parseLogQuery(q) : {};
  } catch (err) {
    if (err instanceof LogQueryError) throw badQuery(`Invalid query: ${err.message}`);
    throw err;
  }
  if (query.type)
    filter.type = query.type
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (query.ip) filter.ip = query.ip;
  if (query.client_id) filter.client_id = query.client_id;
  if (query.connection) filter.connection = query.connection;
  if (query.user_id) filter.user_id = query.user_id;
  const phone = query.phone_number ?? filter.phone_number;
  if (phone !== undefined) {
    // A phone that is no E.164 number matches nothing, rather than everything.
    filter.phone_number = phoneFromQuery(phone) ?? '(no such phone)';
  }
  return filter;
}

const tags = ['Management API: logs'];

/** The security log in Auth0's shape: sent codes, logins, failures, blocks and every abuse refusal. */
export function logRoutes(app: App, services: ManagementAuthDeps & Pick<Services, 'stores'>): void {
  const { stores, config } = services;
  const read = requireScope(services, 'read:logs');
  const hostname = () => new URL(config.issuer as string).hostname;

  app.get(
    '/api/v2/logs',
    {
      schema: {
        tags,
        summary: 'Search the security log',
        querystring: ListQuery,
        response: { 200: PagedReply('logs', Type.Object({}, { additionalProperties: true })) },
      },
      onRequest: read,
    },
    async (request) => {
      const query = request.query;
      const filter = filterOf(query);
      const host = hostname();
      const shape = (rows: SecurityEventRow[]) =>
        rows.map((row) => pick(present(row, host), query.fields, query.include_fields));
      if (query.from !== undefined) {
        return shape(await stores.events.after(query.from, filter, query.take ?? 50));
      }
      const perPage = query.take ?? query.per_page;
      const { events, total } = await stores.events.list(
        filter,
        query.page * perPage,
        perPage,
        query.sort === 'date:1',
      );
      return paged('logs', shape(events), total, { ...query, per_page: perPage });
    },
  );

  app.get(
    '/api/v2/logs/:id',
    {
      schema: {
        tags,
        summary: 'Get one log event',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: LogEvent },
      },
      onRequest: read,
    },
    async (request) => {
      const row = await stores.events.get(request.params.id);
      if (!row) throw new NotFound('inexistent_log', 'The log does not exist.');
      return present(row, hostname());
    },
  );
}
