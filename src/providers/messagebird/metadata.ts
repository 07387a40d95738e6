import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'MessageBird',
  summary: 'hands them to MessageBird (Bird)',
  description:
    "Sends each message through MessageBird's (Bird's) legacy SMS REST API, with the message id as its " +
    'reference so status reports come back to /gateway/receipts/messagebird, checked against the ' +
    'MessageBird-Signature-JWT when a signing key is set.',
  docsUrl: 'https://developers.messagebird.com/api/sms-messaging/',
  example:
    'OTPLINE_PROVIDER=messagebird OTPLINE_MESSAGEBIRD_ACCESS_KEY=... OTPLINE_MESSAGEBIRD_ORIGINATOR=Acme',
  receipts: 'signed (MessageBird-Signature-JWT) with OTPLINE_MESSAGEBIRD_SIGNING_KEY, else unsigned',
};
