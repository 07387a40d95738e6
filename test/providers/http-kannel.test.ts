import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { httpDriver } from '../../src/providers/http/index.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { fakeKannel, type KannelUser } from './fakes/kannel-api.js';

const kannel: KannelUser = { username: 'otpline', password: 'kannel-sendsms-Pa55', unroutablePrefix: '+999' };

/** The README's example line (the driver's metadata), read as a shell would: NAME=value or NAME='value'. */
function exampleEnv(fake: FakeHttpApi): Record<string, string> {
  const example = httpDriver.metadata.example ?? assert.fail('the http driver has an example');
  const env: Record<string, string> = {};
  for (const [, name, quoted, bare] of example.matchAll(/([A-Z_]+)=(?:'([^']*)'|(\S+))/g))
    env[name as string] = (quoted ?? bare) as string;
  assert.equal(env.OTPLINE_HTTP_PASSWORD, '...', 'the example hides the password');
  return {
    ...env,
    OTPLINE_HTTP_URL: (env.OTPLINE_HTTP_URL as string).replace('http://kannel.internal:13013', fake.url),
    OTPLINE_HTTP_PASSWORD: kannel.password,
    OTPLINE_HTTP_TIMEOUT_MS: '500',
  };
}
const exampleSettings = (fake: FakeHttpApi) =>
  loadConfig({ env: exampleEnv(fake) }).provider.http as Record<string, unknown>;

// The contract, run with exactly the README's Kannel configuration against a fake sendsms endpoint.
providerContract({
  driver: httpDriver,
  fake: () => FakeHttpApi.start(fakeKannel(kannel)),
  settings: exampleSettings,
  timeoutMs: 500,
});

describe('the http driver, configured for Kannel as the README shows', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const sms: OutgoingSms = {
    id: 'msg_1',
    to: '+14155552671',
    from: 'otpline',
    body: 'Your code is 123456 & expires in 5 min (ok?) — é',
    country: 'US',
    idempotencyKey: 'idem-1',
  };
  const send = (message: Partial<OutgoingSms> = {}, p = provider) =>
    p.send({ ...sms, ...message }, AbortSignal.timeout(5000));
  const failure = (result: SendResult) => (result.outcome === 'accepted' ? assert.fail('accepted') : result);

  before(async () => {
    api = await FakeHttpApi.start(fakeKannel(kannel));
    provider = httpDriver.create(exampleSettings(api) as never, {
      logger: createLogger('silent'),
      stdout: process.stdout,
    });
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('GETs /cgi-bin/sendsms with every value URL-encoded, and takes "0: Accepted for delivery"', async () => {
    assert.deepEqual(await send(), { outcome: 'accepted', providerMessageId: null, statusCode: '202' });
    const request = api.requests.at(-1);
    assert.equal(request?.method, 'GET');
    assert.match(request?.path ?? '', /[?&]to=%2B14155552671&/, 'a "+" would read as a space');
    assert.match(request?.path ?? '', /[?&]text=Your%20code%20is%20123456%20%26%20expires/);
    const query = Object.fromEntries(new URL(request?.path ?? '', 'http://x').searchParams);
    assert.deepEqual(query, {
      username: 'otpline',
      password: kannel.password,
      to: sms.to,
      text: sms.body,
      from: 'otpline',
    });
    assert.equal(request?.raw, '', 'a GET has no body');
  });

  it('counts an unroutable or denied number as rejected, not retried', async () => {
    const unroutable = failure(await send({ to: '+99912345678' }));
    assert.deepEqual([unroutable.outcome, unroutable.statusCode], ['rejected_number', '403']);
    assert.match(unroutable.detail, /Not routable\. Do not try again\./);
    const denied = failure(await send({ to: '+1 555 CALL' }));
    assert.deepEqual([denied.outcome, denied.statusCode], ['rejected_number', '400']);
  });

  it('marks a refused login as a provider fault, without the password in the detail', async () => {
    const settings = { ...exampleSettings(api), password: 'wrong-Pa55word' };
    const wrong = httpDriver.create(settings as never, {
      logger: createLogger('silent'),
      stdout: process.stdout,
    });
    try {
      const result = failure(await send({}, wrong));
      assert.deepEqual([result.outcome, result.providerFault, result.statusCode], ['permanent', true, '403']);
      assert.equal(result.detail, 'HTTP 403: Authorization failed for sendsms');
    } finally {
      await wrong.stop?.();
    }
  });

  it("retries Kannel's temporary failure and a failed send, and refuses a missing sender", async () => {
    api.answerNext('throttle', 'server_error');
    assert.deepEqual(failure(await send()).detail, 'HTTP 503: Temporal failure, try again later.');
    assert.equal((await send()).outcome, 'transient');
    const noSender = failure(await send({ from: null }));
    assert.deepEqual(
      [noSender.outcome, noSender.detail],
      ['permanent', 'HTTP 400: Sender missing and no global set, rejected'],
    );
  });

  it('refuses a message longer than maxLength before any request', async () => {
    const before = api.requests.length;
    const result = failure(await send({ body: 'x'.repeat(1601) }));
    assert.equal(result.detail, 'the message has 1601 characters; maxLength is 1600');
    assert.equal(api.requests.length, before);
  });
});
