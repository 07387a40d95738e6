import Type, { type Static } from 'typebox';

/** `provider.webhook.*`, also read from OTPLINE_WEBHOOK_URL, _SECRET and _TIMEOUT_MS. */
export const WebhookSettings = Type.Object({
  url: Type.String({ description: 'Where the webhook provider POSTs {id, to, from, body}' }),
  secret: Type.Optional(Type.String({ minLength: 16, description: 'Signs each POST (X-Otpline-Signature)' })),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the webhook provider',
  }),
});
export type WebhookSettings = Static<typeof WebhookSettings>;
