import Type, { type Static } from 'typebox';

const regex = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

/**
 * `provider.http.*`: a provider described by settings, for regional APIs and for a Kannel box.
 * Structured settings (headers, body) come from the config file or as JSON in their variable.
 */
export const HttpSettings = Type.Object({
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], {
    default: 'POST',
    description: 'HTTP method; a GET sends no body',
  }),
  url: Type.String({
    minLength: 1,
    description: 'URL template, e.g. https://api.example/sms?to={{to}}; values are URL-encoded',
  }),
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'Request headers as a JSON object; values are templates, e.g. {"Authorization":"Bearer {{api_key}}"}',
    }),
  ),
  bodyFormat: Type.Union([Type.Literal('json'), Type.Literal('form'), Type.Literal('none')], {
    default: 'json',
    description: 'How a POST body is encoded: json, form (x-www-form-urlencoded) or none',
  }),
  body: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Body template as a JSON object; its strings are templates, e.g. {"to":"{{to}}","text":"{{body}}"}',
    }),
  ),
  username: Type.Optional(Type.String({ description: 'Value of {{username}} in templates' })),
  password: Type.Optional(Type.String({ description: 'Value of {{password}} in templates' })),
  apiKey: Type.Optional(Type.String({ description: 'Value of {{api_key}} in templates' })),
  successRule: regex('Regex a 2xx answer body must match to count as accepted (default: any 2xx)'),
  messageIdRule: regex(
    "The provider's message id: a JSON path ($.data.id) or a regex whose first group is the id",
  ),
  rejectedRule: regex('Regex on the answer body meaning the number is invalid or blocked (not retried)'),
  faultRule: regex('Regex on the answer body meaning a provider-wide fault (credentials, balance)'),
  transientRule: regex('Regex on the answer body meaning try again later'),
  maxLength: Type.Integer({
    minimum: 1,
    default: 1600,
    description: 'Longest body sent, in characters; longer messages fail before any request',
  }),
  timeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'Per-request timeout' }),
});
export type HttpSettings = Static<typeof HttpSettings>;
