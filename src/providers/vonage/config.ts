import Type, { type Static } from 'typebox';

/** Vonage's signing algorithms, as its dashboard names them: MD5 hash (the default) or an HMAC. */
export const SignatureMethod = Type.Union(
  [
    Type.Literal('md5hash'),
    Type.Literal('md5'),
    Type.Literal('sha1'),
    Type.Literal('sha256'),
    Type.Literal('sha512'),
  ],
  {
    default: 'md5hash',
    description:
      'Signing algorithm chosen in the Vonage dashboard: md5hash, or the HMAC md5, sha1, sha256, sha512',
  },
);
export type SignatureMethod = Static<typeof SignatureMethod>;

/** `provider.vonage.*`, read from OTPLINE_VONAGE_API_KEY, _API_SECRET, _SIGNATURE_SECRET, ... */
export const VonageSettings = Type.Object({
  apiKey: Type.String({ minLength: 1, description: 'Vonage API key' }),
  apiSecret: Type.Optional(
    Type.String({
      minLength: 6,
      description: 'Vonage API secret (else requests are signed with the signature secret)',
    }),
  ),
  signatureSecret: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'Vonage signature secret: signs requests without an API secret; delivery receipts must then be signed',
    }),
  ),
  signatureMethod: SignatureMethod,
  from: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Sender (number or alphanumeric ID) when a message names none',
    }),
  ),
  receiptMethod: Type.Union([Type.Literal('POST'), Type.Literal('GET')], {
    default: 'POST',
    description: 'HTTP method of delivery receipts set in the Vonage dashboard: POST (form or JSON) or GET',
  }),
  baseUrl: Type.String({
    default: 'https://rest.nexmo.com',
    description: 'Base URL of the Vonage SMS API (proxies, tests)',
  }),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Vonage API',
  }),
});
export type VonageSettings = Static<typeof VonageSettings>;
