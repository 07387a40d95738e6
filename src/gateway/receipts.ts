import type { App } from '../http/app-type.js';
import type { Log } from '../observability/logger.js';
import type { DeliveryReceipt, ReceiptRoute } from '../providers/types.js';
import type { Services } from '../services.js';

export type ReceiptDeps = Pick<Services, 'config' | 'providers' | 'outbox'>;

/** Applies receipts one by one; a receipt for a message we do not know is logged and dropped. */
export async function applyReceipts(
  deps: Pick<Services, 'outbox'>,
  provider: string,
  receipts: DeliveryReceipt[],
  log: Log,
): Promise<void> {
  for (const receipt of receipts) {
    const result = await deps.outbox.applyReceipt(provider, receipt);
    log.info(
      { provider, providerMessageId: receipt.providerMessageId, status: receipt.status, result },
      'delivery receipt',
    );
  }
}

function parsedBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (contentType?.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return undefined;
}

/**
 * `POST /gateway/receipts/<provider>` (or the method the driver names) for every provider with
 * delivery reports. The body is kept exactly as it arrived, because providers sign it; the driver
 * checks the signature and reads the receipts, and the outbox applies them idempotently.
 */
export async function receiptRoutes(app: App, deps: ReceiptDeps): Promise<void> {
  const routes = deps.providers
    .names()
    .map((name) => ({ name, route: deps.providers.get(name)?.receipts }))
    .filter((r): r is { name: string; route: ReceiptRoute } => r.route !== undefined);
  if (routes.length === 0) return;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    for (const { name, route } of routes) {
      scope.route({
        method: route.method,
        url: `/gateway/receipts/${name}${route.path === '/' ? '' : route.path}`,
        schema: { tags: ['Gateway'], summary: `Delivery receipts from ${name}` },
        config: { errorStyle: 'gateway' },
        handler: async (request, reply) => {
          const rawBody = typeof request.body === 'string' ? request.body : '';
          const { receipts, reply: answer } = await route.handle({
            url: new URL(request.url.replace(/^\//, ''), deps.config.issuer).toString(),
            headers: request.headers,
            query: request.query as Record<string, string>,
            body: parsedBody(rawBody, request.headers['content-type']),
            rawBody,
          });
          if (answer.status >= 400)
            request.log.warn({ provider: name, status: answer.status }, 'receipt refused');
          await applyReceipts(deps, name, receipts, request.log);
          return reply
            .status(answer.status)
            .type(answer.contentType ?? 'text/plain')
            .send(answer.body ?? '');
        },
      });
    }
  });
}
