import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { userAgent } from '../auth/request-info.js';
import { userSub } from '../auth/tokens.js';
import { EVENT_TYPES } from '../events/types.js';
import type { App } from '../http/app-type.js';
import { NotFound } from '../http/errors.js';
import type { Services } from '../services.js';
import type { BlockScope, PhoneBlock } from '../store/user-blocks.js';
import { IdParams, type ManagementAuthDeps, NoContent, requireScope } from './auth.js';
import { phoneFromQuery } from './phone-query.js';

const Identifier = {
  identifier: Type.String({ minLength: 1, maxLength: 320, description: 'The phone number, E.164' }),
};
const Consider = {
  consider_brute_force_enablement: Type.Optional(
    Type.Boolean({
      description: 'When true, no blocks are listed while brute-force protection does not block',
    }),
  ),
};

// Auth0's UserBlockIdentifier: `ip` only when failures count per IP (mode
// count_per_identifier_and_ip; Auth0 omits it for an "Account Lockout"). otpline's blocks end by
// themselves, so each also says when.
const BlockedFor = Type.Object({
  blocked_for: Type.Array(
    Type.Object({
      identifier: Type.String(),
      ip: Type.Optional(Type.String()),
      connection: Type.String(),
      blocked_until: Type.String({ description: 'otpline: when the block ends by itself' }),
    }),
  ),
});

const tags = ['Management API: user blocks'];

type Deps = ManagementAuthDeps &
  Pick<Services, 'stores' | 'users' | 'clock' | 'security' | 'attackProtection'>;

/** Auth0's user blocks: see and lift brute-force blocks, by phone number or by user. */
export function userBlockRoutes(app: App, services: Deps): void {
  const { stores, users, clock, security, attackProtection } = services;
  const read = requireScope(services, 'read:users');
  const update = requireScope(services, 'update:users');

  const present = (blocks: PhoneBlock[]): Static<typeof BlockedFor> => ({
    blocked_for: blocks.map((b) => ({
      identifier: b.phone_number,
      ...(b.ip ? { ip: b.ip } : {}),
      connection: b.connection ?? b.connection_id,
      blocked_until: new Date(b.blocked_until).toISOString(),
    })),
  });
  const list = async (scope: BlockScope | undefined, consider?: boolean) => {
    if (!scope) return present([]);
    if (consider) {
      const settings = await attackProtection.bruteForce();
      if (!settings.enabled || !settings.shields.includes('block')) return present([]);
    }
    return present(await stores.userBlocks.list(scope));
  };
  const lift = async (scope: BlockScope | undefined, request: FastifyRequest) => {
    const lifted = scope ? await stores.userBlocks.lift(scope) : [];
    for (const block of lifted) {
      const user = await users.findByPhone(block.connection_id, block.phone_number);
      await security.record({
        type: EVENT_TYPES.blockLifted,
        description: 'Brute-force block lifted through the Management API',
        connectionId: block.connection_id,
        connection: block.connection ?? undefined,
        phone: block.phone_number,
        userId: user ? userSub(user) : undefined,
        ip: request.ip,
        userAgent: userAgent(request) || undefined,
        details: { blocked_until: new Date(block.blocked_until).toISOString() },
      });
    }
  };
  // An identifier that is no phone number has no blocks, as an unknown identifier has none at Auth0.
  const byIdentifier = (identifier: string): BlockScope | undefined => {
    const phone = phoneFromQuery(identifier);
    return phone ? { phone, now: clock.now() } : undefined;
  };
  const byUser = async (id: string): Promise<BlockScope> => {
    const user = /^sms\|[0-9a-f]{24}$/.test(id) ? await users.get(id.slice(4)) : undefined;
    if (!user) throw new NotFound('inexistent_user', 'The user does not exist.');
    return { phone: user.phone_number, now: clock.now(), connectionId: user.connection_id };
  };

  app.get(
    '/api/v2/user-blocks',
    {
      schema: {
        tags,
        summary: 'Get the blocks of a phone number, on every connection',
        querystring: Type.Object({ ...Identifier, ...Consider }),
        response: { 200: BlockedFor },
      },
      onRequest: read,
    },
    (request) => list(byIdentifier(request.query.identifier), request.query.consider_brute_force_enablement),
  );

  app.delete(
    '/api/v2/user-blocks',
    {
      schema: {
        tags,
        summary: 'Lift the blocks of a phone number, on every connection',
        querystring: Type.Object(Identifier),
        response: { 204: NoContent },
      },
      onRequest: update,
    },
    async (request, reply) => {
      await lift(byIdentifier(request.query.identifier), request);
      reply.status(204);
    },
  );

  app.get(
    '/api/v2/user-blocks/:id',
    {
      schema: {
        tags,
        summary: "Get a user's blocks",
        params: IdParams,
        querystring: Type.Object(Consider),
        response: { 200: BlockedFor },
      },
      onRequest: read,
    },
    async (request) => list(await byUser(request.params.id), request.query.consider_brute_force_enablement),
  );

  app.delete(
    '/api/v2/user-blocks/:id',
    {
      schema: { tags, summary: "Lift a user's blocks", params: IdParams, response: { 204: NoContent } },
      onRequest: update,
    },
    async (request, reply) => {
      await lift(await byUser(request.params.id), request);
      reply.status(204);
    },
  );
}
