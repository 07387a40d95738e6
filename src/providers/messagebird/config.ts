import Type, { type Static } from 'typebox';

/** `provider.messagebird.*`, read from OTPLINE_MESSAGEBIRD_ACCESS_KEY, _ORIGINATOR, _SIGNING_KEY, ... */
export const MessageBirdSettings = Type.Object({
  accessKey: Type.String({
    minLength: 8,
    description: 'MessageBird live access key (Authorization: AccessKey)',
  }),
  originator: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Sender (number with country code, or up to 11 letters and digits) when a message names none',
    }),
  ),
  signingKey: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'MessageBird signing key: status reports must then carry a valid MessageBird-Signature-JWT',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://rest.messagebird.com',
    description: 'Base URL of the MessageBird REST API (proxies, tests)',
  }),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the MessageBird API',
  }),
});
export type MessageBirdSettings = Static<typeof MessageBirdSettings>;
