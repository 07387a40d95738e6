import Type, { type Static } from 'typebox';
import { userSub } from '../auth/tokens.js';
import type { App } from '../http/app-type.js';
import { NotFound } from '../http/errors.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import type { Connection } from '../store/connections.js';
import type { User } from '../store/users.js';
import {
  IdParams,
  type ManagementAuthDeps,
  NoContent,
  PagedReply,
  PageQuery,
  paged,
  requireScope,
} from './auth.js';

const ListQuery = Type.Object({
  ...PageQuery,
  phone_number: Type.Optional(
    Type.String({ maxLength: 64, description: 'Only the users with this phone number' }),
  ),
  connection: Type.Optional(
    Type.String({ maxLength: 128, description: 'Only the users of this connection (name)' }),
  ),
});

const UserReply = Type.Object({
  user_id: Type.String(),
  phone_number: Type.String(),
  phone_verified: Type.Boolean(),
  name: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_login: Type.Optional(Type.String()),
  logins_count: Type.Integer(),
  identities: Type.Array(
    Type.Object({
      connection: Type.String(),
      user_id: Type.String(),
      provider: Type.String(),
      isSocial: Type.Boolean(),
    }),
  ),
});

function present(user: User, connectionName: string): Static<typeof UserReply> {
  return {
    user_id: userSub(user),
    phone_number: user.phone_number,
    phone_verified: user.phone_verified,
    name: user.phone_number,
    created_at: new Date(user.created_at).toISOString(),
    updated_at: new Date(user.updated_at).toISOString(),
    ...(user.last_login ? { last_login: new Date(user.last_login).toISOString() } : {}),
    logins_count: user.logins_count,
    identities: [{ connection: connectionName, user_id: user.id, provider: 'sms', isSocial: false }],
  };
}

const tags = ['Management API: users'];

export function userRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'users' | 'connections'>,
): void {
  const { users, connections } = services;
  const names = new Map<string, string>();
  const connectionName = async (id: string) => {
    if (!names.has(id)) names.set(id, (await connections.get(id))?.name ?? id);
    return names.get(id) as string;
  };
  const load = async (id: string) => {
    const user = id.startsWith('sms|') ? await users.get(id.slice(4)) : undefined;
    if (!user) throw new NotFound('inexistent_user', 'The user does not exist.');
    return user;
  };

  app.get(
    '/api/v2/users',
    {
      schema: {
        tags,
        summary: 'List users',
        querystring: ListQuery,
        response: { 200: PagedReply('users', UserReply) },
      },
      onRequest: requireScope(services, 'read:users'),
    },
    async (request) => {
      const q = request.query;
      let connection: Connection | undefined;
      if (q.connection) {
        connection = await connections.getByName(q.connection);
        if (!connection) return paged('users', [], 0, q);
      }
      const phone = q.phone_number ? normalizePhone(q.phone_number) : undefined;
      if (phone && !phone.ok) return paged('users', [], 0, q);
      const { users: list, total } = await users.list(
        { phone_number: phone?.ok ? phone.e164 : undefined, connection_id: connection?.id },
        q.page * q.per_page,
        q.per_page,
      );
      const shown = await Promise.all(
        list.map(async (u) => present(u, await connectionName(u.connection_id))),
      );
      return paged('users', shown, total, q);
    },
  );

  app.get(
    '/api/v2/users/:id',
    {
      schema: { tags, summary: 'Get a user', params: IdParams, response: { 200: UserReply } },
      onRequest: requireScope(services, 'read:users'),
    },
    async (request) => {
      const user = await load(request.params.id);
      return present(user, await connectionName(user.connection_id));
    },
  );

  app.delete(
    '/api/v2/users/:id',
    {
      schema: { tags, summary: 'Delete a user', params: IdParams, response: { 204: NoContent } },
      onRequest: requireScope(services, 'delete:users'),
    },
    async (request, reply) => {
      const user = await load(request.params.id);
      await users.delete(user.id);
      reply.status(204);
    },
  );
}
