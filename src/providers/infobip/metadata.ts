import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Infobip',
  summary: 'hands them to the Infobip SMS API',
  description:
    "Sends each message with the Infobip SMS API v3 (POST /sms/3/messages) at your account's base URL, asking " +
    'for a delivery report at <issuer>gateway/receipts/infobip?token=<secret>; Infobip signs nothing, so reports ' +
    'without that token are refused.',
  docsUrl: 'https://www.infobip.com/docs/api/channels/sms/sms-messaging/outbound-sms/send-sms-messages',
  example:
    'OTPLINE_PROVIDER=infobip OTPLINE_INFOBIP_BASE_URL=https://xxxxx.api.infobip.com OTPLINE_INFOBIP_API_KEY=...',
  receipts: 'secret token in the report URL (?token=), set per message',
};
