import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { NotFound } from '../http/errors.js';
import type { Services } from '../services.js';
import { type ManagementAuthDeps, NoContent, requireScope } from './auth.js';

const Throttle = Type.Object({
  scope: Type.Union([Type.Literal('prefix'), Type.Literal('country')]),
  key: Type.String({ description: 'The number range (e.g. +882345) or the country (ISO code)' }),
  rule: Type.String(),
  reason: Type.String(),
  created_at: Type.String(),
  until: Type.String(),
});

const tags = ['Management API: attack protection'];

/**
 * otpline's own: the number ranges and countries the conversion guard throttled (suspected SMS
 * pumping), and lifting one early. Not an Auth0 endpoint.
 */
export function throttleRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'stores' | 'clock'>,
): void {
  const { stores, clock } = services;
  const iso = (ms: number) => new Date(ms).toISOString();

  app.get(
    '/api/v2/attack-protection/throttles',
    {
      schema: {
        tags,
        summary: 'List the number ranges and countries throttled for suspected SMS pumping',
        response: { 200: Type.Array(Throttle) },
      },
      onRequest: requireScope(services, 'read:attack_protection'),
    },
    async () =>
      (await stores.abuse.activeFlags(clock.now())).map((flag) => ({
        scope: flag.scope,
        key: flag.key,
        rule: flag.rule,
        reason: flag.reason,
        created_at: iso(flag.created_at),
        until: iso(flag.until),
      })),
  );

  app.delete(
    '/api/v2/attack-protection/throttles/:scope/:key',
    {
      schema: {
        tags,
        summary: 'Lift a throttle; its range or country is judged afresh from now on',
        params: Type.Object({
          scope: Type.Union([Type.Literal('prefix'), Type.Literal('country')]),
          key: Type.String({ maxLength: 32 }),
        }),
        response: { 204: NoContent },
      },
      onRequest: requireScope(services, 'update:attack_protection'),
    },
    async (request, reply) => {
      const lifted = await stores.abuse.clearFlag(request.params.scope, request.params.key, clock.now());
      if (lifted === 0) throw new NotFound('inexistent_throttle', 'No such throttle is active.');
      reply.status(204);
    },
  );
}
