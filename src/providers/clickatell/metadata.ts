import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Clickatell',
  summary: 'hands them to the Clickatell Platform (One API)',
  description:
    'Sends each message with the Clickatell Platform One API (POST /v1/message, channel sms). ' +
    "Delivery receipts: set the integration's status callback URL to <issuer>gateway/receipts/clickatell?token=<secret> " +
    'and OTPLINE_CLICKATELL_RECEIPT_TOKEN to the same secret (Clickatell does not sign its callbacks).',
  docsUrl:
    'https://guides.clickatell.com/clickatell-chat-commerce-platform/developer/channels/whatsapp-and-sms-one-api/api-reference/messages/send-messages',
  example: 'OTPLINE_PROVIDER=clickatell OTPLINE_CLICKATELL_API_KEY=... OTPLINE_CLICKATELL_RECEIPT_TOKEN=...',
  receipts: 'secret token in the callback URL (?token=)',
};
