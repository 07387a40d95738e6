import Type from 'typebox';
import type { Services } from '../services.js';
import { isDatabaseUnavailable, pendingMigrations, SchemaTooNew } from '../store/database.js';
import type { App } from './app-type.js';

const Health = Type.Object({
  status: Type.String({ description: 'ok, or degraded while the database is unreachable' }),
  database: Type.String({ description: 'ok or unreachable' }),
});
const Ready = Type.Object({
  status: Type.String({ description: 'ready or not_ready' }),
  reason: Type.Optional(Type.String()),
});

/**
 * `/healthz` (liveness: the process answers; it says whether the database does, but stays 200 so
 * an orchestrator does not restart every node when the database is away) and `/readyz`
 * (readiness: the database answers and its schema is the one this node knows).
 */
export function healthRoutes(app: App, services: Pick<Services, 'stores' | 'logger'>): void {
  const { stores } = services;
  app.get(
    '/healthz',
    { schema: { tags: ['Operations'], summary: 'Liveness', response: { 200: Health } } },
    async (request) => {
      try {
        await stores.ping();
        return { status: 'ok', database: 'ok' };
      } catch (err) {
        request.log.warn({ err }, 'healthz: the database is unreachable');
        return { status: 'degraded', database: 'unreachable' };
      }
    },
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database is reachable and migrated',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (request, reply) => {
      try {
        const pending = await pendingMigrations(stores.database);
        if (pending.length === 0) return { status: 'ready' };
        reply.status(503);
        return { status: 'not_ready', reason: `migrations pending: ${pending.join(', ')}` };
      } catch (err) {
        reply.status(503);
        if (err instanceof SchemaTooNew)
          return { status: 'not_ready', reason: 'database schema newer than this node' };
        request.log.warn({ err }, 'readyz: the database is unreachable');
        return {
          status: 'not_ready',
          reason: isDatabaseUnavailable(err) ? 'database unreachable' : 'database error',
        };
      }
    },
  );
}
