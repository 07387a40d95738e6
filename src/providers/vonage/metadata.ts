import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Vonage',
  summary: 'hands them to Vonage',
  description:
    'Sends each message through the Vonage (Nexmo) SMS API, judging each answer by its per-message status ' +
    '(Vonage answers HTTP 200 for failures too). Delivery receipts arrive at /gateway/receipts/vonage, ' +
    'signed (sig) when a signature secret is set, in which case unsigned ones are refused.',
  docsUrl: 'https://developer.vonage.com/en/api/sms',
  example:
    'OTPLINE_PROVIDER=vonage OTPLINE_VONAGE_API_KEY=abcd1234 OTPLINE_VONAGE_API_SECRET=... OTPLINE_VONAGE_FROM=Acme',
  receipts: 'signed (sig) with OTPLINE_VONAGE_SIGNATURE_SECRET, else unsigned',
};
