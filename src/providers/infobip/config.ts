import Type, { type Static } from 'typebox';

/** `provider.infobip.*`, read from OTPLINE_INFOBIP_API_KEY, _BASE_URL, _FROM, _RECEIPT_TOKEN, _TIMEOUT_MS. */
export const InfobipSettings = Type.Object({
  apiKey: Type.String({ minLength: 8, description: 'Infobip API key (Authorization: App <key>)' }),
  baseUrl: Type.String({
    minLength: 1,
    description:
      "Your account's own base URL, e.g. https://xxxxx.api.infobip.com (shown on the Infobip portal)",
  }),
  from: Type.Optional(
    Type.String({
      description: 'Sender ID or number registered with Infobip; used when the message names no sender',
    }),
  ),
  receiptToken: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'Secret put in the delivery report URL as ?token= (default: derived from the API key)',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Infobip API',
  }),
});
export type InfobipSettings = Static<typeof InfobipSettings>;
