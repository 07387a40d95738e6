import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import {
  createTwilioProvider,
  twilioDriver,
  twilioProviderForConnection,
} from '../../src/providers/twilio/index.js';
import type { OutgoingSms, SendOutcome, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';
import { twilioApi, twilioError } from './fakes/twilio-api.js';

const ACCOUNT = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'twilio-auth-token-0123456789',
  apiKey: `SK${'fedcba9876543210'.repeat(2)}`,
  apiSecret: 'twilio-api-secret-0123456789',
};
const SERVICE = `MG${'00112233445566778899aabbccddeeff'}`;
const RECEIPT_URL = 'https://otpline.example/gateway/receipts/twilio';

providerContract({
  driver: twilioDriver,
  fake: () => FakeHttpApi.start(twilioApi(ACCOUNT)),
  settings: (api) => ({
    ...ACCOUNT,
    apiKey: undefined,
    apiSecret: undefined,
    baseUrl: api.url,
    timeoutMs: 1000,
  }),
  timeoutMs: 1000,
});

describe('the twilio driver', () => {
  let api: FakeHttpApi;
  const providers: SmsProvider[] = [];
  const context = { logger: createLogger('silent'), stdout: process.stdout, receiptUrl: RECEIPT_URL };
  const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
    id: 'msg_1',
    to: '+14155552671',
    from: '+15005550006',
    body: 'Your code is 123456',
    country: 'US',
    idempotencyKey: 'idem-1',
    ...over,
  });
  const provider = (over: Record<string, unknown> = {}) => {
    const created = createTwilioProvider(
      {
        accountSid: ACCOUNT.accountSid,
        authToken: ACCOUNT.authToken,
        baseUrl: api.url,
        timeoutMs: 2000,
        ...over,
      },
      context,
    );
    providers.push(created);
    return created;
  };
  const send = (p: SmsProvider, message = sms()) => p.send(message, AbortSignal.timeout(5000));
  const lastForm = () => Object.fromEntries(new URLSearchParams(api.requests.at(-1)?.raw));

  before(async () => {
    api = await FakeHttpApi.start(twilioApi(ACCOUNT));
  });
  after(async () => {
    for (const p of providers) await p.stop?.();
    await api.close();
  });

  it('POSTs To, From, Body and the StatusCallback, form-encoded, with Basic SID:token', async () => {
    const result = await send(provider());
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: `SM${'1'.padStart(32, '0')}`,
      statusCode: '201',
    });
    const request = api.requests.at(-1);
    assert.equal(request?.path, `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json`);
    const basic = Buffer.from(`${ACCOUNT.accountSid}:${ACCOUNT.authToken}`).toString('base64');
    assert.equal(request?.headers.authorization, `Basic ${basic}`);
    assert.deepEqual(lastForm(), {
      To: '+14155552671',
      From: '+15005550006',
      Body: 'Your code is 123456',
      StatusCallback: RECEIPT_URL,
    });
    assert.deepEqual(api.refusals, []);
  });

  it('lets a Messaging Service pick the sender, and falls back to the configured From', async () => {
    await send(provider({ messagingServiceSid: SERVICE, from: '+15005550001' }));
    assert.equal(lastForm().MessagingServiceSid, SERVICE);
    assert.equal(lastForm().From, undefined);
    await send(provider({ from: '+15005550001' }), sms({ from: null }));
    assert.equal(lastForm().From, '+15005550001');
    const none = await send(provider(), sms({ from: null }));
    assert.equal(none.outcome, 'permanent');
    assert.match((none as { detail: string }).detail, /OTPLINE_TWILIO_FROM/);
  });

  it('authenticates with an API key and its secret when they are set', async () => {
    assert.equal(
      (await send(provider({ apiKey: ACCOUNT.apiKey, apiSecret: ACCOUNT.apiSecret }))).outcome,
      'accepted',
    );
    const basic = Buffer.from(`${ACCOUNT.apiKey}:${ACCOUNT.apiSecret}`).toString('base64');
    assert.equal(api.requests.at(-1)?.headers.authorization, `Basic ${basic}`);
    assert.throws(() => provider({ apiKey: ACCOUNT.apiKey }), /apiKey and provider\.twilio\.apiSecret/);
  });

  it('takes itself out of rotation when Twilio refuses its credentials (20003)', async () => {
    const result = await send(provider({ authToken: 'not-the-token-at-all' }));
    assert.deepEqual(result, {
      outcome: 'permanent',
      statusCode: '401',
      errorCode: '20003',
      detail: 'Twilio 20003: Authenticate (HTTP 401)',
      providerFault: true,
    });
    assert.equal(api.refusals.at(-1)?.reply.status, 401);
  });

  const cases: Array<
    [string, ReturnType<typeof twilioError>, { outcome: SendOutcome; providerFault?: true }]
  > = [
    [
      'an invalid To (21211)',
      twilioError(400, 21211, "The 'To' number +1415 is not a valid phone number."),
      { outcome: 'rejected_number' },
    ],
    [
      'a landline (21614)',
      twilioError(400, 21614, "'To' number is not a valid mobile number"),
      { outcome: 'rejected_number' },
    ],
    [
      'an unsubscribed recipient (21610)',
      twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'),
      { outcome: 'rejected_number' },
    ],
    [
      'a region not permitted (21408)',
      twilioError(400, 21408, 'Permission to send an SMS has not been enabled for the region'),
      { outcome: 'rejected_number' },
    ],
    [
      'a suspended account (20005)',
      twilioError(401, 20005, 'Account not active'),
      { outcome: 'permanent', providerFault: true },
    ],
    ['too many requests (20429)', twilioError(429, 20429, 'Too Many Requests'), { outcome: 'transient' }],
    [
      'a full sender queue (21611)',
      twilioError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages"),
      { outcome: 'transient' },
    ],
    [
      'a sender Twilio cannot use (21606)',
      twilioError(
        400,
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number.",
      ),
      { outcome: 'permanent' },
    ],
    [
      'a bare 503 page',
      { status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' },
      { outcome: 'transient' },
    ],
  ];
  for (const [title, reply, expected] of cases) {
    it(`classifies ${title}`, async () => {
      api.replyNext(reply);
      const result = await send(provider());
      assert.equal(result.outcome, expected.outcome, JSON.stringify(result));
      if (result.outcome === 'accepted') return;
      assert.equal(result.providerFault, expected.providerFault);
      assert.equal(result.statusCode, String(reply.status));
      const code = (JSON.parse(reply.body.startsWith('{') ? reply.body : '{}') as { code?: number }).code;
      assert.equal(result.errorCode, code === undefined ? undefined : String(code));
    });
  }

  it('refuses a body over 1,600 characters without calling Twilio, and sends one of exactly 1,600', async () => {
    const before = api.requests.length;
    const long = await send(provider(), sms({ body: 'x'.repeat(1601) }));
    assert.equal(long.outcome, 'permanent');
    assert.equal(api.requests.length, before);
    assert.equal((await send(provider(), sms({ body: 'x'.repeat(1600) }))).outcome, 'accepted');
  });

  it("builds a provider from an Auth0 connection's twilio_sid, twilio_token and messaging_service_sid", async () => {
    const p = twilioProviderForConnection(
      { twilio_sid: ACCOUNT.accountSid, twilio_token: ACCOUNT.authToken, messaging_service_sid: SERVICE },
      { baseUrl: api.url },
    );
    providers.push(p);
    assert.equal((await send(p)).outcome, 'accepted');
    assert.equal(lastForm().MessagingServiceSid, SERVICE);
    assert.equal(lastForm().StatusCallback, undefined, 'no receipt URL was given');
    assert.throws(() => twilioProviderForConnection({ twilio_sid: 'nope', twilio_token: 'x' }), /malformed/);
  });
});
