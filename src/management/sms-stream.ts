import type { ServerResponse } from 'node:http';
import Type from 'typebox';
import type { App } from '../http/app-type.js';
import type { Services } from '../services.js';
import type { MessageStatus } from '../store/tables.js';
import { type ManagementAuthDeps, managementScopes, requireScope } from './auth.js';
import { phoneFromQuery } from './phone-query.js';
import { present, Status } from './sms-messages.js';

/** How often each open stream asks the database for changed messages. */
const POLL_MS = 1000;
/** Rows changed this long before the newest seen are read again: other nodes' clocks, same-millisecond writes. */
const LOOKBACK_MS = 5000;
/** The token is checked again this often: an operator taken out of the config loses the stream too. */
const RECHECK_MS = 15_000;
const HEARTBEAT_MS = 15_000;
const PAGE = 500;

const StreamQuery = Type.Object({
  status: Type.Optional(Status),
  recipient: Type.Optional(Type.String({ maxLength: 64, description: 'Only messages to this phone' })),
  since: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Milliseconds since the epoch; default: now' }),
  ),
});

/**
 * `GET /api/v2/sms-messages/stream`: the delivery log as server-sent events. Each stream polls the
 * database for messages changed since its cursor, so it sees what every node does (no in-process
 * bus); each change is sent once, as `event: message` with the message as the list shows it (the
 * code masked). Browsers read it with fetch, to send the bearer token.
 */
export function smsStreamRoute(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'stores' | 'clock'>,
): void {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const raw of open) raw.end();
  });

  app.get(
    '/api/v2/sms-messages/stream',
    {
      schema: {
        tags: ['Management API: SMS messages'],
        summary: 'Follow SMS messages live (text/event-stream; each change of a message is one event)',
        description:
          'Events: `ready` (data: {since}), then `message` (data: the message as GET /api/v2/sms-messages/{id} returns it) for each change, `: ping` comments every 15 s, and `denied` when the token stops being valid (the stream then ends). Filters: status, recipient.',
        querystring: StreamQuery,
        produces: ['text/event-stream'],
      },
      onRequest: requireScope(services, 'read:sms_messages'),
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        status: q.status as MessageStatus | undefined,
        recipient: q.recipient ? (phoneFromQuery(q.recipient) ?? q.recipient) : undefined,
      };
      const authorization = request.headers.authorization;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      open.add(raw);
      let cursor = q.since ?? services.clock.now();
      let lastCheck = Date.now();
      let lastWrite = Date.now();
      const seen = new Map<string, { at: number; signature: string }>();
      const send = (event: string, data: unknown, id?: string) => {
        lastWrite = Date.now();
        raw.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      send('ready', { since: cursor });

      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        stopped = true;
        clearTimeout(timer);
        open.delete(raw);
        if (!raw.writableEnded) raw.end();
      };
      raw.on('close', stop);

      let full = false;
      const poll = async () => {
        if (Date.now() - lastCheck >= RECHECK_MS) {
          lastCheck = Date.now();
          try {
            await managementScopes(services, authorization);
          } catch {
            send('denied', { message: 'The token is no longer valid' });
            return stop();
          }
        }
        const { messages, attempts } = await services.stores.messages.changedSince(
          full ? cursor : cursor - LOOKBACK_MS,
          filter,
          PAGE,
        );
        full = messages.length === PAGE;
        for (const m of messages) {
          const signature = `${m.updated_at}|${m.status}|${m.attempts}|${m.receipt_at ?? ''}`;
          if (seen.get(m.id)?.signature === signature) continue;
          seen.set(m.id, { at: m.updated_at, signature });
          send(
            'message',
            present(
              m,
              attempts.filter((a) => a.message_id === m.id),
            ),
            String(m.updated_at),
          );
          cursor = Math.max(cursor, m.updated_at);
        }
        for (const [id, entry] of seen) if (entry.at < cursor - LOOKBACK_MS) seen.delete(id);
        if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          lastWrite = Date.now();
          raw.write(': ping\n\n');
        }
      };
      const loop = () => {
        poll()
          .catch((err: unknown) =>
            request.log.warn({ err }, 'the message stream could not read the database'),
          )
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, POLL_MS);
          });
      };
      loop();
    },
  );
}
