import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { httpDriver } from '../../src/providers/http/index.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../src/providers/types.js';
import { FakeHttpApi, type HttpApiModel } from '../helpers/fake-http-api.js';
import { providerContract } from '../helpers/provider-contract.js';

const API_KEY = 'regional-api-key-0123456789';
const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });

/**
 * A regional JSON API of the usual shape (made up, as the generic driver has no one vendor):
 * POST /v2/sms with a bearer key and an Idempotency-Key, `{messages:[{to, text, ref}]}`;
 * 200 `{messages:[{id}]}`; errors `{error:{code, retry}}`, one of them with a 200.
 */
const regional: HttpApiModel = {
  takesIdempotencyKey: true,
  check(request) {
    if (request.method !== 'POST' || request.path !== '/v2/sms')
      return json(404, { error: { code: 'NOT_FOUND' } });
    if (request.headers.authorization !== `Bearer ${API_KEY}`)
      return json(401, { error: { code: 'UNAUTHORIZED' } });
    if (request.headers['content-type'] !== 'application/json')
      return json(415, { error: { code: 'MEDIA_TYPE' } });
    const to = (JSON.parse(request.raw) as { messages: Array<{ to: string }> }).messages[0]?.to ?? '';
    if (!/^[1-9]\d{7,14}$/.test(to)) return json(400, { error: { code: 'INVALID_NUMBER' } });
    if (to.startsWith('9990')) return json(200, { error: { code: 'BALANCE', text: 'insufficient balance' } });
    if (to.startsWith('9991')) return json(200, { error: { code: 'BUSY', retry: true } });
    return undefined;
  },
  read(request) {
    const message = (JSON.parse(request.raw) as { messages: Array<{ to: string; text: string }> })
      .messages[0];
    return {
      to: `+${message?.to}`,
      body: message?.text ?? '',
      idempotencyKey: String(request.headers['idempotency-key']),
    };
  },
  reply(answer, n) {
    if (answer === 'accept') return { ...json(200, { messages: [{ id: `rg-${n}` }] }), id: `rg-${n}` };
    return json({ throttle: 429, server_error: 502, refuse: 422 }[answer], { error: { code: 'NO' } });
  },
};

const settings = (api: FakeHttpApi) => ({
  url: `${api.url}/v2/sms`,
  headers: { Authorization: 'Bearer {{api_key}}', 'Idempotency-Key': '{{idempotency_key}}' },
  body: { messages: [{ to: '{{to_digits}}', text: '{{body}}', ref: '{{id}}' }] },
  apiKey: API_KEY,
  successRule: '"messages"',
  messageIdRule: '$.messages[0].id',
  rejectedRule: '"INVALID_NUMBER"',
  faultRule: 'insufficient balance',
  transientRule: '"retry":true',
  timeoutMs: 500,
});

providerContract({ driver: httpDriver, fake: () => FakeHttpApi.start(regional), settings, timeoutMs: 500 });

describe('the http driver with a JSON API', () => {
  let api: FakeHttpApi;
  let provider: SmsProvider;
  const context = { logger: createLogger('silent'), stdout: process.stdout };
  const sms: OutgoingSms = {
    id: 'msg_7',
    to: '+4915123456789',
    from: null,
    body: 'hi',
    country: 'DE',
    idempotencyKey: 'k7',
  };
  const send = (message: Partial<OutgoingSms> = {}, p = provider) =>
    p.send({ ...sms, ...message }, AbortSignal.timeout(5000));
  const outcome = (r: SendResult) => [
    r.outcome,
    r.outcome === 'accepted' ? r.providerMessageId : r.providerFault,
  ];
  const create = (over: Record<string, unknown>) =>
    httpDriver.create(
      loadConfig({ env: {}, overrides: { provider: { name: 'http', http: over } } }).provider.http as never,
      context,
    );

  before(async () => {
    api = await FakeHttpApi.start(regional);
    provider = create(settings(api));
  });
  after(async () => {
    await provider.stop?.();
    await api.close();
  });

  it('JSON-escapes values and never renders a template found inside a value', async () => {
    const body = 'say "hi"\\ {{api_key}}\n\u0000 ✓';
    assert.deepEqual(outcome(await send({ body })), ['accepted', `rg-${api.received.length}`]);
    assert.deepEqual(JSON.parse(api.requests.at(-1)?.raw ?? ''), {
      messages: [{ to: '4915123456789', text: body, ref: 'msg_7' }],
    });
  });

  it('reads the answer with the rules: rejected, provider fault, try again, each even with a 200', async () => {
    assert.deepEqual(outcome(await send({ to: '+49123' })), ['rejected_number', undefined]);
    assert.deepEqual(outcome(await send({ to: '+99901234567' })), ['permanent', true]);
    assert.deepEqual(outcome(await send({ to: '+99911234567' })), ['transient', undefined]);
  });

  it('counts a 401 as a provider fault', async () => {
    const wrongKey = create({ ...settings(api), apiKey: 'not-the-key-0000' });
    try {
      assert.deepEqual(outcome(await send({}, wrongKey)), ['permanent', true]);
    } finally {
      await wrongKey.stop?.();
    }
  });

  it('form-encodes a form body, and refuses a header a value would break', async () => {
    const form = create({ ...settings(api), bodyFormat: 'form', body: { to: '{{to}}', text: '{{body}}' } });
    const headerFromBody = create({ ...settings(api), headers: { 'X-Text': '{{body}}' } });
    try {
      await send({ body: 'a+b & c=d' }, form);
      assert.equal(api.requests.at(-1)?.raw, 'to=%2B4915123456789&text=a%2Bb+%26+c%3Dd');
      assert.equal(api.requests.at(-1)?.headers['content-type'], 'application/x-www-form-urlencoded');
      const broken = await send({ body: 'line\r\nX-Injected: 1' }, headerFromBody);
      assert.deepEqual(
        [broken.outcome, broken.outcome !== 'accepted' && broken.detail],
        ['permanent', 'header X-Text would hold a line break'],
      );
    } finally {
      await form.stop?.();
      await headerFromBody.stop?.();
    }
  });

  it('refuses settings that cannot work, naming the setting', () => {
    const base = { url: 'https://sms.example/send?to={{to}}', bodyFormat: 'none' };
    assert.throws(
      () => create({ ...base, url: 'https://sms.example/?to={{too}}' }),
      /provider\.http\.url: unknown template variable \{\{too\}\}/,
    );
    assert.throws(() => create({ ...base, method: 'GET', body: { a: '1' } }), /a GET sends no body/);
    assert.throws(() => create({ ...base, bodyFormat: 'json' }), /provider\.http\.body is needed/);
    assert.throws(
      () => create({ ...base, rejectedRule: '(' }),
      /provider\.http\.rejectedRule is not a valid regular expression/,
    );
    assert.throws(() => create({ ...base, messageIdRule: '$.a[*]' }), /is not a JSON path/);
    assert.throws(() => create({ ...base, url: 'sms.example/{{to}}' }), /absolute http\(s\) URL/);
  });

  it('takes structured settings as JSON in their variables, never echoing a bad one', () => {
    const env = {
      OTPLINE_PROVIDER: 'http',
      OTPLINE_HTTP_URL: 'https://sms.example/send',
      OTPLINE_HTTP_HEADERS: '{"X-Api-Key":"k-123"}',
      OTPLINE_HTTP_BODY: '{"to":"{{to}}","n":[1,{"t":"{{body}}"}]}',
    };
    const http = loadConfig({ env }).provider.http as Record<string, unknown>;
    assert.deepEqual(
      [http.headers, http.body],
      [{ 'X-Api-Key': 'k-123' }, { to: '{{to}}', n: [1, { t: '{{body}}' }] }],
    );
    assert.throws(
      () => loadConfig({ env: { ...env, OTPLINE_HTTP_HEADERS: '{"X-Api-Key":k-123' } }),
      (err) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, 'OTPLINE_HTTP_HEADERS must be a JSON object');
        return true;
      },
    );
    assert.throws(() => loadConfig({ env: { ...env, OTPLINE_HTTP_BODY: '[1]' } }), {
      message: 'OTPLINE_HTTP_BODY must be a JSON object, got "[1]"',
    });
  });
});
