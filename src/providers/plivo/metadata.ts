import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Plivo',
  summary: 'hands them to Plivo',
  description:
    "Sends each message through Plivo's Message API (otpline sends up to 1,600 characters; Plivo splits them). Status " +
    'callbacks signed with X-Plivo-Signature-V3 arrive at /gateway/receipts/plivo.',
  docsUrl: 'https://www.plivo.com/docs/messaging/api/message/send-a-message',
  example:
    'OTPLINE_PROVIDER=plivo OTPLINE_PLIVO_AUTH_ID=MA... OTPLINE_PLIVO_AUTH_TOKEN=... OTPLINE_PLIVO_FROM=+14155550100',
  receipts: 'signed (X-Plivo-Signature-V3)',
};
