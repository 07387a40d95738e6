import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Sinch',
  summary: 'hands them to the Sinch SMS API',
  description:
    'Sends each message as a one-recipient batch with the Sinch SMS REST API (POST /xms/v1/{service plan}/batches). ' +
    'With a callback secret (Sinch enables HMAC-signed callbacks on request), asks for a final delivery report per ' +
    'message at <issuer>gateway/receipts/sinch and takes only reports signed with it, within 5 minutes.',
  docsUrl: 'https://developers.sinch.com/docs/sms/api-reference/sms/batches',
  example:
    'OTPLINE_PROVIDER=sinch OTPLINE_SINCH_SERVICE_PLAN_ID=... OTPLINE_SINCH_API_TOKEN=... OTPLINE_SINCH_FROM=+12025550123',
  receipts: 'signed (x-sinch-webhook-signature, HMAC-SHA256)',
};
