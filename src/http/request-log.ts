import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * One log line per request (Fastify writes two), with the path but never the query string, which
 * may carry codes or tokens. Health checks arrive every few seconds, so they log at debug level.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else if (request.url === '/healthz') reply.log.debug(line, 'request');
    else reply.log.info(line, 'request');
  }
}
