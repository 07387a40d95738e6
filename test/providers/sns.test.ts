import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { snsDriver } from '../../src/providers/sns/index.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { fakeSns, messageAttributes, type SnsAccount, snsError } from './fakes/sns-api.js';

const account: SnsAccount = {
  region: 'eu-west-1',
  accessKeyId: 'AKIAOTPLINETEST0001',
  secretAccessKey: 'sns-contract-secret/0123456789abcdefXYZ',
};
const settings = (api: FakeHttpApi, over: Record<string, unknown> = {}) => ({
  region: account.region,
  accessKeyId: account.accessKeyId,
  secretAccessKey: account.secretAccessKey,
  baseUrl: api.url,
  timeoutMs: 500,
  ...over,
});

providerContract({
  driver: snsDriver,
  fake: () => FakeHttpApi.start(fakeSns(account)),
  settings: (api) => settings(api),
  timeoutMs: 500,
});

describe('the sns driver', () => {
  const sns = fakeSns(account);
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const context = { logger: createLogger('silent'), stdout: process.stdout };
  const sms: OutgoingSms = {
    id: 'msg_1',
    to: '+447700900123',
    from: null,
    body: 'Your code is 123456 & valid for 5 minutes',
    country: 'GB',
    idempotencyKey: 'idem-1',
  };
  const send = (message = sms, p = provider) => p.send(message, AbortSignal.timeout(5000));
  const create = (over: Record<string, unknown> = {}) =>
    snsDriver.create(
      loadConfig({ env: {}, overrides: { provider: { name: 'sns', sns: settings(api, over) } } }).provider
        .sns as never,
      context,
    );
  const failure = (result: SendResult) => (result.outcome === 'accepted' ? assert.fail('accepted') : result);

  before(async () => {
    api = await FakeHttpApi.start(sns);
    provider = create({ senderId: 'otpline' });
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('publishes to the phone number, Transactional, with the sender ID, signed as SNS checks', async () => {
    const result = await send();
    assert.equal(result.outcome, 'accepted', JSON.stringify(result));
    assert.equal(api.refusals.length, 0);
    const request = api.requests.at(-1);
    const form = new URLSearchParams(request?.raw);
    assert.equal(form.get('Action'), 'Publish');
    assert.equal(form.get('Version'), '2010-03-31');
    assert.equal(form.get('PhoneNumber'), '+447700900123');
    assert.equal(form.get('Message'), sms.body);
    assert.deepEqual(messageAttributes(form), {
      'AWS.SNS.SMS.SMSType': 'Transactional',
      'AWS.SNS.SMS.SenderID': 'otpline',
    });
    assert.match(String(request?.headers.authorization), /SignedHeaders=content-type;host;x-amz-date,/);
    if (result.outcome === 'accepted')
      assert.equal(result.providerMessageId, api.received.at(-1)?.providerMessageId);
  });

  it('sends and signs a session token', async () => {
    const temporary = {
      ...account,
      accessKeyId: 'ASIAOTPLINETEST0002',
      sessionToken: 'FwoGZXIvYXdzEXAMPLE//token',
    };
    const stsApi = await FakeHttpApi.start(fakeSns(temporary));
    const p = snsDriver.create(
      { ...settings(stsApi), ...temporary, smsType: 'Promotional' } as never,
      context,
    );
    try {
      assert.equal((await send(sms, p)).outcome, 'accepted');
      assert.equal(stsApi.requests[0]?.headers['x-amz-security-token'], temporary.sessionToken);
      assert.equal(
        messageAttributes(new URLSearchParams(stsApi.requests[0]?.raw))['AWS.SNS.SMS.SMSType'],
        'Promotional',
      );
    } finally {
      await p.stop?.();
      await stsApi.close();
    }
  });

  it('counts a number SNS will not publish to as a rejected number', async () => {
    const result = failure(await send({ ...sms, to: '+1555' }));
    assert.equal(result.outcome, 'rejected_number');
    assert.equal(result.errorCode, 'InvalidParameter');
    assert.equal(result.statusCode, '400');
    assert.match(result.detail, /PhoneNumber Reason: \+1555 is not valid to publish to/);
  });

  it('marks bad credentials and denied access as a provider fault, secrets kept out', async () => {
    const wrongSecret = create({ secretAccessKey: 'not-the-right-secret-0123456789' });
    const unknownKey = create({ accessKeyId: 'AKIAUNKNOWNKEY00000' });
    try {
      for (const [p, code] of [
        [wrongSecret, 'SignatureDoesNotMatch'],
        [unknownKey, 'InvalidClientTokenId'],
      ] as const) {
        const result = failure(await send(sms, p));
        assert.deepEqual(
          [result.outcome, result.providerFault, result.errorCode, result.statusCode],
          ['permanent', true, code, '403'],
        );
        assert.ok(!result.detail.includes('not-the-right-secret'));
      }
    } finally {
      await wrongSecret.stop?.();
      await unknownKey.stop?.();
    }
    sns.failNext(snsError(403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish'));
    const denied = failure(await send());
    assert.deepEqual(
      [denied.outcome, denied.providerFault, denied.errorCode],
      ['permanent', true, 'AuthorizationError'],
    );
  });

  it('retries throttling by its code, whatever the status, and server faults', async () => {
    for (const [status, code] of [
      [429, 'Throttled'],
      [400, 'Throttling'],
      [503, 'ServiceUnavailable'],
    ] as const) {
      sns.failNext(snsError(status, code, 'Rate exceeded'));
      const result = failure(await send());
      assert.deepEqual(
        [result.outcome, result.errorCode, result.statusCode],
        ['transient', code, String(status)],
      );
    }
  });

  it('refuses a message longer than an SMS Publish takes, before any request', async () => {
    const before = api.requests.length;
    const result = failure(await send({ ...sms, body: 'x'.repeat(1601) }));
    assert.equal(result.outcome, 'permanent');
    assert.match(result.detail, /1601 characters; an SNS SMS Publish takes at most 1600/);
    assert.equal(api.requests.length, before);
    assert.equal((await send({ ...sms, body: 'é'.repeat(1600) })).outcome, 'accepted');
  });

  it('has no receipt route: SNS reports delivery only to CloudWatch', () => {
    assert.equal(provider.receipts, undefined);
  });

  it('is configured from OTPLINE_SNS_*, with its defaults', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'sns',
        OTPLINE_SNS_REGION: 'us-east-1',
        OTPLINE_SNS_ACCESS_KEY_ID: account.accessKeyId,
        OTPLINE_SNS_SECRET_ACCESS_KEY: account.secretAccessKey,
      },
    });
    assert.deepEqual(config.provider.sns, {
      region: 'us-east-1',
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secretAccessKey,
      smsType: 'Transactional',
      timeoutMs: 10000,
    });
  });
});
