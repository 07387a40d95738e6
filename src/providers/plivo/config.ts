import Type, { type Static } from 'typebox';

/** `provider.plivo.*`, read from OTPLINE_PLIVO_AUTH_ID, _AUTH_TOKEN, _FROM, ... */
export const PlivoSettings = Type.Object({
  authId: Type.String({
    pattern: '^[A-Za-z0-9]+$',
    minLength: 10,
    description: 'Plivo Auth ID (MA... or SA...)',
  }),
  authToken: Type.String({
    minLength: 8,
    description: 'Plivo Auth Token: authenticates sends and checks X-Plivo-Signature-V3 on status callbacks',
  }),
  from: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Sender (`src`: a Plivo number or sender ID) when a message names none',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://api.plivo.com',
    description: 'Base URL of the Plivo API (proxies, tests)',
  }),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Plivo API',
  }),
});
export type PlivoSettings = Static<typeof PlivoSettings>;
