import Type, { type Static } from 'typebox';

/** `provider.clickatell.*`, read from OTPLINE_CLICKATELL_API_KEY, _FROM, _BASE_URL, _RECEIPT_TOKEN, _TIMEOUT_MS. */
export const ClickatellSettings = Type.Object({
  apiKey: Type.String({
    minLength: 8,
    description: 'API key of a Clickatell Platform SMS integration (sent as the Authorization header)',
  }),
  from: Type.Optional(
    Type.String({
      description: 'Sender: a two-way number of the integration; omitted for one-way integrations',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://platform.clickatell.com',
    description: 'Base URL of the Clickatell Platform API',
  }),
  receiptToken: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'Secret the status callback URL set in Clickatell carries as ?token=; receipts are taken only with it',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Clickatell API',
  }),
});
export type ClickatellSettings = Static<typeof ClickatellSettings>;
