import Type, { type Static } from 'typebox';

/** `provider.sns.*`, also read from OTPLINE_SNS_<SETTING> (OTPLINE_SNS_REGION, ...). */
export const SnsSettings = Type.Object({
  region: Type.String({
    pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
    description: 'AWS region to publish in, e.g. us-east-1 (one where SNS sends SMS)',
  }),
  accessKeyId: Type.String({
    minLength: 16,
    description: 'AWS access key id of an IAM user or role allowed sns:Publish',
  }),
  secretAccessKey: Type.String({
    minLength: 16,
    description: 'AWS secret access key that signs each request (SigV4)',
  }),
  sessionToken: Type.Optional(
    Type.String({ minLength: 1, description: 'Session token of temporary (STS) credentials, if any' }),
  ),
  senderId: Type.Optional(
    Type.String({
      pattern: '^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$',
      description: 'Alphanumeric sender ID (AWS.SNS.SMS.SenderID) where the country allows one',
    }),
  ),
  smsType: Type.Union([Type.Literal('Transactional'), Type.Literal('Promotional')], {
    default: 'Transactional',
    description: 'AWS.SNS.SMS.SMSType: Transactional (codes; routed for reliability) or Promotional',
  }),
  baseUrl: Type.Optional(
    Type.String({
      description:
        'SNS endpoint; default https://sns.<region>.amazonaws.com (set for a VPC endpoint or proxy)',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Per-request timeout of SNS Publish',
  }),
});
export type SnsSettings = Static<typeof SnsSettings>;
