import Type, { type Static } from 'typebox';

// SID formats from Twilio's OpenAPI document (twilio/twilio-oai, spec/json/twilio_api_v2010.json):
// AccountSid `^AC[0-9a-fA-F]{32}$`, MessagingServiceSid `^MG[0-9a-fA-F]{32}$`; API key SIDs start with SK.
const sid = (prefix: string) => `^${prefix}[0-9a-fA-F]{32}$`;

/** `provider.twilio.*`, read from OTPLINE_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _FROM, ... */
export const TwilioSettings = Type.Object({
  accountSid: Type.String({ pattern: sid('AC'), description: 'Twilio Account SID (AC...)' }),
  authToken: Type.String({
    minLength: 8,
    description:
      'Twilio auth token: authenticates sends (unless an API key is set) and checks receipt signatures',
  }),
  apiKey: Type.Optional(
    Type.String({
      pattern: sid('SK'),
      description: 'Twilio API key SID (SK...), used with its secret instead of the auth token',
    }),
  ),
  apiSecret: Type.Optional(Type.String({ minLength: 8, description: 'Secret of the Twilio API key' })),
  from: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Sender (E.164 number or alphanumeric ID) when a message names none and no Messaging Service is set',
    }),
  ),
  messagingServiceSid: Type.Optional(
    Type.String({
      pattern: sid('MG'),
      description: 'Twilio Messaging Service SID (MG...); it picks the sender',
    }),
  ),
  baseUrl: Type.String({
    default: 'https://api.twilio.com',
    description: 'Base URL of the Twilio REST API (regional endpoints, proxies, tests)',
  }),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of the Twilio API',
  }),
});
export type TwilioSettings = Static<typeof TwilioSettings>;
