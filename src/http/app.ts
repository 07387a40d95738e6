import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { dashboardRoutes } from '../admin/routes.js';
import { discoveryRoutes } from '../auth/discovery.js';
import { oauthRoRoute } from '../auth/oauth-ro.js';
import { passwordlessStartRoute } from '../auth/passwordless-start.js';
import { tokenEndpointRoute } from '../auth/token-endpoint.js';
import { OtplineError } from '../errors.js';
import { receiptRoutes } from '../gateway/receipts.js';
import { gatewayRoutes } from '../gateway/routes.js';
import { attackProtectionRoutes } from '../management/attack-protection.js';
import { clientRoutes } from '../management/clients.js';
import { connectionRoutes } from '../management/connections.js';
import { logRoutes } from '../management/logs.js';
import { smsMessageRoutes } from '../management/sms-messages.js';
import { smsPreviewRoute } from '../management/sms-preview.js';
import { smsStreamRoute } from '../management/sms-stream.js';
import { statsRoutes } from '../management/stats.js';
import { throttleRoutes } from '../management/throttles.js';
import { userBlockRoutes } from '../management/user-blocks.js';
import { userRoutes } from '../management/users.js';
import type { Services } from '../services.js';
import { isDatabaseUnavailable } from '../store/database.js';
import { authorizeRoutes } from '../web/authorize.js';
import { clientInfoRoutes } from '../web/client-info.js';
import { crossOriginRoutes } from '../web/cross-origin.js';
import type { App } from './app-type.js';
import { corsForRegisteredOrigins } from './cors.js';
import { answerWhenDurable } from './durable-replies.js';
import { AuthError, ManagementError, reasonPhrase } from './errors.js';
import { healthRoutes } from './health.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';
import { OneLinePerRequest } from './request-log.js';
import { type ErrorStyle, validationError, validatorCompiler } from './validation.js';
import { wireError } from './wire-errors.js';

function styleOf(request: FastifyRequest): ErrorStyle {
  return (
    request.routeOptions.config?.errorStyle ?? (request.url.startsWith('/api/v2') ? 'management' : 'oauth')
  );
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, code: string, message: string) {
  if (styleOf(request) === 'management') {
    return reply
      .status(status)
      .send({ statusCode: status, error: reasonPhrase(status), message, errorCode: code });
  }
  return reply.status(status).send({ error: code, error_description: message });
}

/** Framework errors (bad JSON, size, media type) in the caller's Auth0 shape; never a stack trace. */
function handleError(
  error: FastifyError & { validationContext?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof OtplineError) {
    if (error.extra.detail)
      request.log.warn({ code: error.code, detail: error.extra.detail }, 'request refused');
    return handleError(wireError(error, styleOf(request)) as never, request, reply);
  }
  if (error instanceof AuthError) {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    return reply.status(error.status).send({ error: error.code, error_description: error.description });
  }
  if (error instanceof ManagementError) return reply.status(error.status).send(error.toBody());
  if (error.validation) {
    const mapped = validationError(
      error.validation as never,
      error.validationContext ?? 'body',
      styleOf(request),
    );
    return handleError(mapped as never, request, reply);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send(
        reply,
        request,
        400,
        styleOf(request) === 'management' ? 'invalid_body' : 'invalid_request',
        'Invalid JSON body',
      );
    case JSON_TOO_DEEP:
      return send(
        reply,
        request,
        400,
        styleOf(request) === 'management' ? 'invalid_body' : 'invalid_request',
        `Invalid JSON body: nested more than ${MAX_JSON_DEPTH} levels`,
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(reply, request, 413, 'payload_too_large', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(
        reply,
        request,
        415,
        'unsupported_media_type',
        'Send application/json or application/x-www-form-urlencoded',
      );
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return send(reply, request, error.statusCode, 'invalid_request', error.message);
  }
  if (isDatabaseUnavailable(error)) {
    // Fail fast and say so: the caller retries, the operator reads why in the log.
    request.log.warn({ err: error }, 'the database is unreachable');
    reply.header('retry-after', '5');
    return send(
      reply,
      request,
      503,
      'temporarily_unavailable',
      'The service is temporarily unavailable. Please try again later.',
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, request, 500, 'server_error', 'Internal error');
}

/** The default JSON parser (prototype poisoning refused), plus a bound on nesting for every route. */
function guardJsonDepth(app: App, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    parseJson(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
        return done(
          Object.assign(new Error('nested too deeply'), { code: JSON_TOO_DEEP, statusCode: 400 }),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

const JSON_TOO_DEEP = 'OTPLINE_JSON_TOO_DEEP';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function buildApp(
  services: Services,
  options: { https?: { cert: Buffer; key: Buffer } } = {},
): Promise<App> {
  const app = (
    Fastify({
      loggerInstance: services.logger,
      bodyLimit: services.config.bodyLimitBytes,
      trustProxy: services.config.trustProxy,
      logController: new OneLinePerRequest(),
      ...(options.https ? { https: options.https } : {}),
    }) as unknown as FastifyInstance
  ).withTypeProvider<TypeBoxTypeProvider>();

  // Auth0's Authentication API treats an optional field sent as null as absent (auth0-python sends
  // "audience": null), so the schemas never see those nulls.
  app.addHook('preValidation', async (request) => {
    if (styleOf(request) === 'management' || !isPlainObject(request.body)) return;
    for (const [key, value] of Object.entries(request.body)) if (value === null) delete request.body[key];
  });
  answerWhenDurable(app, services.stores.durability);
  corsForRegisteredOrigins(app, services.clients);
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, 'not_found', `Not found: ${request.method} ${request.url.split('?')[0]}`),
  );
  await app.register(formbody, { bodyLimit: services.config.bodyLimitBytes });
  guardJsonDepth(app, services.config.bodyLimitBytes);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'otpline',
        version: '0.1.0',
        description: 'Auth0-compatible passwordless SMS login server and SMS gateway.',
      },
      components: {
        securitySchemes: {
          managementToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'client_credentials token, audience <issuer>api/v2/',
          },
          gatewayToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'HS256 JWT signed with the gateway secret',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  healthRoutes(app, services);

  passwordlessStartRoute(app, services);
  tokenEndpointRoute(app, services);
  oauthRoRoute(app, services);
  discoveryRoutes(app, services);
  authorizeRoutes(app, services);
  crossOriginRoutes(app, services);
  clientInfoRoutes(app, services);
  gatewayRoutes(app, services);
  await receiptRoutes(app, services);
  clientRoutes(app, services);
  connectionRoutes(app, services);
  userRoutes(app, services);
  smsMessageRoutes(app, services);
  smsStreamRoute(app, services);
  smsPreviewRoute(app, services);
  statsRoutes(app, services);
  attackProtectionRoutes(app, services);
  userBlockRoutes(app, services);
  logRoutes(app, services);
  throttleRoutes(app, services);
  dashboardRoutes(app, services);
  return app;
}
