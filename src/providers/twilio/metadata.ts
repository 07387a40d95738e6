import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Twilio',
  summary: 'hands them to Twilio',
  description:
    'Sends each message through the Twilio Messages API (up to 1,600 characters; Twilio splits it), from the ' +
    "message's sender, OTPLINE_TWILIO_FROM or a Messaging Service. Status callbacks signed with " +
    'X-Twilio-Signature arrive at /gateway/receipts/twilio.',
  docsUrl: 'https://www.twilio.com/docs/messaging/api/message-resource',
  example:
    'OTPLINE_PROVIDER=twilio OTPLINE_TWILIO_ACCOUNT_SID=AC... OTPLINE_TWILIO_AUTH_TOKEN=... OTPLINE_TWILIO_FROM=+15005550006',
  receipts: 'signed (X-Twilio-Signature)',
};
