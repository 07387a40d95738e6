import Type, { type Static } from 'typebox';

/**
 * `provider.clickatell-legacy.*`, read from OTPLINE_CLICKATELL_LEGACY_USER, _PASSWORD, _API_ID,
 * _FROM, _BASE_URL, _RECEIPT_TOKEN and _TIMEOUT_MS.
 */
export const ClickatellLegacySettings = Type.Object({
  user: Type.String({ minLength: 1, description: 'Clickatell Central (legacy HTTP API) user name' }),
  password: Type.String({ minLength: 1, description: 'Its password' }),
  apiId: Type.String({ minLength: 1, description: 'The api_id of its HTTP API connection' }),
  from: Type.Optional(
    Type.String({
      description: 'Sender ID registered with Clickatell; used when the message names no sender',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://api.clickatell.com',
    description: 'Base URL of the Clickatell legacy HTTP API',
  }),
  receiptToken: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'Secret the callback URL set in Clickatell Central carries as ?token=; with it, status callbacks are asked for and taken',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Clickatell legacy HTTP API',
  }),
});
export type ClickatellLegacySettings = Static<typeof ClickatellLegacySettings>;
