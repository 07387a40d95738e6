import Type, { type Static } from 'typebox';

/**
 * `provider.sinch.*`, read from OTPLINE_SINCH_SERVICE_PLAN_ID, _API_TOKEN, _FROM, _BASE_URL,
 * _CALLBACK_SECRET and _TIMEOUT_MS.
 */
export const SinchSettings = Type.Object({
  servicePlanId: Type.String({ pattern: '^[A-Za-z0-9_-]+$', description: 'Sinch SMS service plan ID' }),
  apiToken: Type.String({ minLength: 8, description: 'Its API token (Authorization: Bearer)' }),
  from: Type.Optional(
    Type.String({
      description: 'Sender number, short code or alphanumeric ID; used when the message names no sender',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://us.sms.api.sinch.com',
    description:
      "Base URL of the Sinch SMS API: https://{us,eu,au,br,ca}.sms.api.sinch.com for the plan's region",
  }),
  callbackSecret: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'HMAC secret Sinch signs delivery reports with (x-sinch-webhook-signature); reports are asked for only with it',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Sinch API',
  }),
});
export type SinchSettings = Static<typeof SinchSettings>;
