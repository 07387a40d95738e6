import Type, { type Static } from 'typebox';

/**
 * `provider.telnyx.*`, read from OTPLINE_TELNYX_API_KEY, _FROM, _MESSAGING_PROFILE_ID, _BASE_URL,
 * _PUBLIC_KEY and _TIMEOUT_MS.
 */
export const TelnyxSettings = Type.Object({
  apiKey: Type.String({ minLength: 8, description: 'Telnyx API v2 key (Authorization: Bearer)' }),
  from: Type.Optional(
    Type.String({
      description:
        'Sending number (+E.164), short code or alphanumeric ID; used when the message names no sender',
    }),
  ),
  messagingProfileId: Type.Optional(
    Type.String({ description: 'Messaging profile to send with (number pool, alphanumeric sender)' }),
  ),
  baseUrl: Type.String({ default: 'https://api.telnyx.com', description: 'Base URL of the Telnyx API' }),
  publicKey: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description:
        "Telnyx's Ed25519 public key for webhooks (base64, from the portal); delivery webhooks are asked for only with it",
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Telnyx API',
  }),
});
export type TelnyxSettings = Static<typeof TelnyxSettings>;
