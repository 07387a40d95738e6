import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Telnyx',
  summary: 'hands them to the Telnyx Messaging API',
  description:
    "Sends each message with the Telnyx Messaging API (POST /v2/messages). With Telnyx's public key set, asks for " +
    'delivery webhooks at <issuer>gateway/receipts/telnyx and takes only those signed with Ed25519 ' +
    '(telnyx-signature-ed25519 over "<telnyx-timestamp>|<body>") within 5 minutes.',
  docsUrl: 'https://developers.telnyx.com/api/messaging/send-message',
  example: 'OTPLINE_PROVIDER=telnyx OTPLINE_TELNYX_API_KEY=KEY... OTPLINE_TELNYX_FROM=+12025550123',
  receipts: 'signed (telnyx-signature-ed25519)',
};
