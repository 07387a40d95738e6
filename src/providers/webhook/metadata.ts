import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Webhook',
  summary: 'POSTs them',
  description:
    'POSTs each message as JSON {id, to, from, body} to a URL of yours, with an Idempotency-Key header, ' +
    'signed (X-Otpline-Signature) when a secret is set. 2xx: sent; 408, 425, 429, 5xx: retried; others fail.',
  example: 'OTPLINE_PROVIDER=webhook OTPLINE_WEBHOOK_URL=https://sms.example/send OTPLINE_WEBHOOK_SECRET=…',
};
