import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { clickatellLegacyDriver } from '../../src/providers/clickatell-legacy/index.js';
import type { OutgoingSms, ReceiptRequest, SmsProvider } from '../../src/providers/types.js';
import {
  type CannedReply,
  FakeHttpApi,
  type HttpApiModel,
  type RecordedRequest,
} from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const USER = 'otpline';
const PASSWORD = 'legacy-pass-0123456789';
const API_ID = '3442105';
const RECEIPT_TOKEN = 'legacy-receipt-token-0123456789';

/** The legacy API answers 200 with one line of text, success or not. */
const text = (body: string, status = 200): CannedReply => ({ status, body, contentType: 'text/plain' });

/** The text as the gateway reads it: UCS-2 hex when `unicode=1`. */
const decoded = (form: URLSearchParams) => {
  const raw = form.get('text') ?? '';
  return form.get('unicode') === '1' ? Buffer.from(raw, 'hex').swap16().toString('utf16le') : raw;
};

/**
 * Clickatell's legacy HTTP API as its "HTTP API Overview" describes it: `http/sendmsg` with `user`,
 * `password`, `api_id`, `to` (international digits, no "+"), `text`, optional `from`, `concat`
 * (parts allowed), `unicode` (text as UCS-2 hex) and `callback`; `ID: <apimsgid>` or
 * `ERR: <code>, <description>`, both with HTTP 200.
 */
const legacyApi: HttpApiModel = {
  takesIdempotencyKey: false,
  check(request: RecordedRequest) {
    // POSTed as a form: nothing, credentials least of all, in the URL.
    if (request.method !== 'POST' || request.path !== '/http/sendmsg') return text('not found', 404);
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
      return text('ERR: 101, Invalid or missing parameters');
    const form = new URLSearchParams(request.raw);
    if (form.get('user') !== USER || form.get('password') !== PASSWORD)
      return text('ERR: 001, Authentication failed');
    if (form.get('api_id') !== API_ID) return text('ERR: 108, Invalid or missing API ID');
    if (!form.get('to') || !form.get('text')) return text('ERR: 101, Invalid or missing parameters');
    if (!/^\d{7,15}$/.test(form.get('to') ?? '')) return text('ERR: 105, Invalid destination address');
    if (form.get('unicode') === '1' && !/^([0-9A-F]{4})+$/.test(form.get('text') ?? ''))
      return text('ERR: 116, Invalid Unicode data');
    const units = decoded(form).length;
    const single = form.get('unicode') === '1' ? 70 : 160;
    if (units > single && Number(form.get('concat') ?? 1) < 2)
      return text('ERR: 113, Maximum message parts exceeded');
    return undefined;
  },
  read(request) {
    const form = new URLSearchParams(request.raw);
    return { to: `+${form.get('to')}`, body: decoded(form) };
  },
  reply(answer, n) {
    const id = `${n.toString(16).padStart(8, '0')}96411ad91fa211e7d17bc873aa4a`;
    if (answer === 'accept') return { ...text(`ID: ${id}`), id };
    if (answer === 'throttle') return text('Too Many Requests', 429);
    if (answer === 'server_error') return text('<html>502 Bad Gateway</html>', 502);
    return text('ERR: 106, Invalid source address');
  },
};

providerContract({
  driver: clickatellLegacyDriver,
  fake: () => FakeHttpApi.start(legacyApi),
  settings: (api) => ({ user: USER, password: PASSWORD, apiId: API_ID, baseUrl: api.url, timeoutMs: 400 }),
  timeoutMs: 400,
});

const context = { logger: createLogger('silent'), stdout: { write: () => true } };
const sms = (over: Partial<OutgoingSms> = {}): OutgoingSms => ({
  id: 'msg_1',
  to: '+14155552671',
  from: null,
  body: 'Your code is 123456',
  country: 'US',
  idempotencyKey: 'idem-1',
  ...over,
});

describe('the clickatell-legacy driver', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const settings = () => ({
    user: USER,
    password: PASSWORD,
    apiId: API_ID,
    baseUrl: api.url,
    timeoutMs: 2000,
  });
  const send = (over?: Partial<OutgoingSms>) => provider.send(sms(over), AbortSignal.timeout(5000));
  const lastForm = () => Object.fromEntries(new URLSearchParams(api.requests.at(-1)?.raw ?? ''));

  before(async () => {
    api = await FakeHttpApi.start(legacyApi);
    provider = clickatellLegacyDriver.create(settings(), context);
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('POSTs http/sendmsg as a form, credentials in the body, the number without "+"', async () => {
    const result = await send();
    assert.deepEqual(result, {
      outcome: 'accepted',
      providerMessageId: api.received.at(-1)?.providerMessageId,
      statusCode: '200',
    });
    assert.equal(api.requests.at(-1)?.path, '/http/sendmsg');
    assert.deepEqual(lastForm(), {
      user: USER,
      password: PASSWORD,
      api_id: API_ID,
      to: '14155552671',
      text: 'Your code is 123456',
    });
  });

  it("passes the configured sender, else the message's", async () => {
    await send({ from: '+15550001111' });
    assert.equal(lastForm().from, '15550001111');
    const withFrom = clickatellLegacyDriver.create({ ...settings(), from: 'OTPLINE' }, context);
    try {
      await withFrom.send(sms({ from: '+15550001111' }), AbortSignal.timeout(5000));
      assert.equal(lastForm().from, 'OTPLINE');
    } finally {
      await withFrom.stop?.();
    }
  });

  it('sends text beyond ASCII as unicode=1, UCS-2 hex, with concat for long ones', async () => {
    assert.equal((await send({ body: 'Código: 123456 🔐' })).outcome, 'accepted');
    assert.equal(lastForm().unicode, '1');
    assert.equal(lastForm().text, '004300F3006400690067006F003A00200031003200330034003500360020D83DDD10');
    assert.equal(api.received.at(-1)?.body, 'Código: 123456 🔐');
    assert.equal(lastForm().concat, undefined);
    assert.equal((await send({ body: 'é'.repeat(140) })).outcome, 'accepted');
    assert.equal(lastForm().concat, '3');
    assert.equal((await send({ body: 'a'.repeat(400) })).outcome, 'accepted');
    assert.deepEqual([lastForm().unicode, lastForm().concat], [undefined, '3']);
  });

  it('asks for final and error status callbacks only when receipts are set up', async () => {
    assert.equal(lastForm().callback, undefined);
    const withReceipts = clickatellLegacyDriver.create(
      { ...settings(), receiptToken: RECEIPT_TOKEN },
      context,
    );
    try {
      await withReceipts.send(sms(), AbortSignal.timeout(5000));
      assert.equal(lastForm().callback, '6');
    } finally {
      await withReceipts.stop?.();
    }
  });

  it('takes a wrong password (ERR 001) as a provider-wide fault, the password in no detail', async () => {
    const wrong = clickatellLegacyDriver.create({ ...settings(), password: 'wrong-password-98765' }, context);
    try {
      const result = await wrong.send(sms(), AbortSignal.timeout(5000));
      assert.deepEqual(result, {
        outcome: 'permanent',
        providerFault: true,
        statusCode: '200',
        errorCode: '001',
        detail: 'Clickatell ERR 001: Authentication failed',
      });
    } finally {
      await wrong.stop?.();
    }
  });

  const cases: Array<[string, string, boolean?]> = [
    ['ERR: 105, Invalid destination address', 'rejected_number'],
    ['ERR: 114, Cannot route message', 'rejected_number'],
    ['ERR: 121, Destination mobile number blocked', 'rejected_number'],
    ['ERR: 122, Destination mobile opted out', 'rejected_number'],
    ['ERR: 128, Number delisted', 'rejected_number'],
    ['ERR: 301, No credit left', 'permanent', true],
    ['ERR: 007, IP Lockdown violation', 'permanent', true],
    ['ERR: 130, Maximum MT limit exceeded until 1736760161', 'permanent', true],
    ['ERR: 0004, Account frozen', 'permanent', true],
    ['ERR: 901, Internal error', 'transient'],
    ['ERR: 113, Maximum message parts exceeded', 'permanent'],
    ['ERR: 123, Invalid Sender ID', 'permanent'],
  ];
  for (const [answer, outcome, providerFault] of cases) {
    it(`classifies "${answer}" as ${outcome}${providerFault ? ', a provider fault' : ''}`, async () => {
      api.replyNext(text(answer));
      const result = await send();
      if (result.outcome === 'accepted') return assert.fail('accepted');
      assert.equal(result.outcome, outcome);
      assert.equal(result.providerFault, providerFault);
      assert.equal(result.errorCode, /ERR: (\d+)/.exec(answer)?.[1]);
      assert.equal(result.detail, `Clickatell ${answer.replace(/^ERR: (\d+), /, 'ERR $1: ')}`);
    });
  }

  it('retries a 200 that is neither ID nor ERR: the message may or may not have gone', async () => {
    api.replyNext(text('<html>maintenance</html>'));
    assert.equal((await send()).outcome, 'transient');
  });

  it('refuses a body over 35 segments before calling Clickatell', async () => {
    const before = api.requests.length;
    const result = await send({ body: 'ж'.repeat(67 * 35 + 1) });
    assert.deepEqual(result, {
      outcome: 'permanent',
      detail: 'message too long for Clickatell: UCS-2 in 36 segments, at most 35',
    });
    assert.equal(api.requests.length, before);
  });

  it('is configured from OTPLINE_CLICKATELL_LEGACY_*', () => {
    const config = loadConfig({
      env: {
        OTPLINE_PROVIDER: 'clickatell-legacy',
        OTPLINE_CLICKATELL_LEGACY_USER: USER,
        OTPLINE_CLICKATELL_LEGACY_PASSWORD: PASSWORD,
        OTPLINE_CLICKATELL_LEGACY_API_ID: API_ID,
        OTPLINE_CLICKATELL_LEGACY_FROM: 'OTPLINE',
      },
    });
    assert.deepEqual(config.provider['clickatell-legacy'], {
      user: USER,
      password: PASSWORD,
      apiId: API_ID,
      from: 'OTPLINE',
      baseUrl: 'https://api.clickatell.com',
      timeoutMs: 10000,
    });
  });
});

describe('clickatell-legacy delivery receipts', () => {
  const route = clickatellLegacyDriver.create(
    {
      user: USER,
      password: PASSWORD,
      apiId: API_ID,
      baseUrl: 'http://127.0.0.1:9',
      receiptToken: RECEIPT_TOKEN,
      timeoutMs: 1000,
    },
    context,
  ).receipts;
  // An HTTP POST callback: api_id, apiMsgId, cliMsgId, to, timestamp (unix seconds), from, status, charge.
  const callback = (
    fields: Record<string, string>,
    query: Record<string, string> = { token: RECEIPT_TOKEN },
  ): ReceiptRequest => {
    const body = {
      api_id: API_ID,
      apiMsgId: '996411ad91fa211e7d17bc873aa4a41d',
      cliMsgId: '',
      to: '14155552671',
      timestamp: '1218007814',
      from: '',
      charge: '0.300000',
      ...fields,
    };
    return {
      url: 'https://otpline.example/gateway/receipts/clickatell-legacy',
      headers: {},
      query,
      body,
      rawBody: new URLSearchParams(body).toString(),
    };
  };

  it("takes 004 as delivered, at the callback's time", async () => {
    assert.deepEqual(await route?.handle(callback({ status: '004' })), {
      receipts: [
        {
          providerMessageId: '996411ad91fa211e7d17bc873aa4a41d',
          status: 'delivered',
          detail: '004 Received by recipient',
          at: 1218007814000,
        },
      ],
      reply: { status: 200 },
    });
  });

  it('takes the error statuses as undelivered and acknowledges intermediate ones', async () => {
    for (const status of ['005', '006', '007', '009', '010', '012', '014'])
      assert.equal((await route?.handle(callback({ status })))?.receipts[0]?.status, 'undelivered', status);
    for (const status of ['002', '003', '008', '011'])
      assert.deepEqual(await route?.handle(callback({ status })), { receipts: [], reply: { status: 200 } });
  });

  it('refuses a callback without the token, with a wrong one, or for another api_id', async () => {
    for (const query of [{}, { token: 'not-the-token-00000000000' }] as Record<string, string>[]) {
      const outcome = await route?.handle(callback({ status: '004' }, query));
      assert.deepEqual([outcome?.receipts, outcome?.reply.status], [[], 403]);
    }
    const other = await route?.handle(callback({ status: '004', api_id: '1' }));
    assert.deepEqual([other?.receipts, other?.reply.status], [[], 403]);
  });

  it('refuses a callback without a message id', async () => {
    assert.equal((await route?.handle(callback({ status: '004', apiMsgId: '' })))?.reply.status, 400);
  });
});
