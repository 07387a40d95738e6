import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Clickatell (legacy HTTP API)',
  summary: "hands them to Clickatell's legacy HTTP API",
  description:
    "Sends each message with Clickatell's legacy HTTP API (http/sendmsg with user, password and api_id), the one " +
    "Auth0's custom SMS gateway walk-through uses; POSTed as a form so the password stays out of URLs. Receipts: " +
    'set the HTTP POST callback URL of the API connection to <issuer>gateway/receipts/clickatell-legacy?token=<secret> ' +
    'and OTPLINE_CLICKATELL_LEGACY_RECEIPT_TOKEN to the same secret.',
  docsUrl: 'https://github.com/clickatell/clickatell-overview-http',
  example:
    'OTPLINE_PROVIDER=clickatell-legacy OTPLINE_CLICKATELL_LEGACY_USER=... OTPLINE_CLICKATELL_LEGACY_PASSWORD=... ' +
    'OTPLINE_CLICKATELL_LEGACY_API_ID=...',
  receipts: 'secret token in the callback URL (?token=)',
};
