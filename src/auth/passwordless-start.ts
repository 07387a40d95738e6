import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { clientCredentials } from '../http/client-credentials.js';
import { MAX_FREE_FORM_DEPTH } from '../http/json-depth.js';
import { requestLanguage, userAgent } from './request-info.js';
import { type SendCodeDeps, sendCode } from './send-code.js';

const Body = Type.Object(
  {
    client_id: Type.String({ description: 'The application asking for the code' }),
    client_secret: Type.Optional(
      Type.String({ description: 'Required for confidential applications to skip per-IP limits' }),
    ),
    connection: Type.String({ description: 'Name of the sms connection (the SDKs send "sms")' }),
    phone_number: Type.String({ description: 'E.164 phone number', maxLength: 64 }),
    send: Type.Optional(Type.Union([Type.Literal('code'), Type.Literal('link')], { default: 'code' })),
    captcha: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          "otpline: the CAPTCHA widget's token (Turnstile, hCaptcha, reCAPTCHA) when the abuse rules ask for one; or the `x-captcha-token` header",
      }),
    ),
    authParams: Type.Optional(Type.Object({}, { additionalProperties: true, maxDepth: MAX_FREE_FORM_DEPTH })),
  },
  { additionalProperties: false },
);

const Reply = Type.Object({
  _id: Type.String(),
  phone_number: Type.String(),
  request_language: Type.Union([Type.String(), Type.Null()]),
  phone_verified: Type.Boolean(),
});

/** The CAPTCHA token from the body, or from a header for SDKs that cannot add body fields. */
function captchaToken(request: FastifyRequest, body: { captcha?: string }): string | undefined {
  const header = request.headers['x-captcha-token'];
  const token = body.captcha ?? (typeof header === 'string' ? header : undefined);
  return token && token.length <= 4096 ? token : undefined;
}

function forwardedFor(request: FastifyRequest): string | undefined {
  const header = request.headers['auth0-forwarded-for'];
  const ip = typeof header === 'string' ? header.split(',')[0]?.trim() : undefined;
  return ip && isIP(ip) ? ip : undefined;
}

export function passwordlessStartRoute(app: App, deps: SendCodeDeps): void {
  app.post(
    '/passwordless/start',
    {
      schema: {
        tags: ['Authentication API'],
        summary: 'Send a one-time code by SMS',
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'passwordless' },
    },
    (request) =>
      sendCode(deps, {
        credentials: clientCredentials(request, request.body),
        connection: request.body.connection,
        phoneNumber: request.body.phone_number,
        send: request.body.send,
        language: requestLanguage(request),
        callerIp: request.ip,
        forwardedFor: forwardedFor(request),
        captcha: captchaToken(request, request.body),
        userAgent: userAgent(request),
        log: request.log,
      }),
  );
}
