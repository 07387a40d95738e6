import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Amazon SNS',
  summary: 'publishes them with Amazon SNS',
  description:
    'Publishes each message to its phone number with the Amazon SNS Publish API (SigV4-signed, ' +
    'SMSType Transactional unless set). SNS reports no delivery per message to the caller.',
  docsUrl: 'https://docs.aws.amazon.com/sns/latest/api/API_Publish.html',
  example:
    'OTPLINE_PROVIDER=sns OTPLINE_SNS_REGION=us-east-1 OTPLINE_SNS_ACCESS_KEY_ID=AKIA... ' +
    'OTPLINE_SNS_SECRET_ACCESS_KEY=...',
};
