import type { FastifyRequest } from 'fastify';
import type { Durability } from '../store/database.js';
import type { App } from './app-type.js';

/**
 * Answers each request only once its writes are on disk. With SQLite's group commit a write is
 * committed when the event loop's turn ends, together with those of every other request of that
 * turn; a response, success or refusal (whose security event must survive too), waits for it.
 */
export function answerWhenDurable(app: App, durability: Durability): void {
  const marks = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (request) => {
    marks.set(request, durability.mark());
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const mark = marks.get(request);
    // Checked once: the error answer for a failed commit comes back through this hook.
    if (mark === undefined) return payload;
    marks.delete(request);
    await durability.durableSince(mark);
    return payload;
  });
}
