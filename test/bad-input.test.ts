import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSetup } from './helpers/flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const OTP = 'http://auth0.com/oauth/grant-type/passwordless/otp';

describe('bad input on the Authentication API gets a clear 4xx in Auth0 shape', () => {
  let server: TestServer;
  let client: { client_id: string };

  before(async () => {
    server = await startTestServer({ bodyLimitBytes: 4096 });
    client = await localSetup(server);
  });
  after(async () => server.stop());

  const start = (body: unknown) => server.call('POST', '/passwordless/start', { json: body });
  const valid = () => ({
    client_id: client.client_id,
    connection: 'sms',
    phone_number: '+14155552671',
    send: 'code',
  });

  it('names the missing or wrong property at /passwordless/start', async () => {
    const cases: Array<[unknown, string, string | RegExp]> = [
      [
        { connection: 'sms', phone_number: '+14155552671' },
        'bad.client_id',
        'Missing required property: client_id',
      ],
      [
        { client_id: client.client_id, phone_number: '+14155552671' },
        'bad.connection',
        'Missing required property: connection',
      ],
      [
        { client_id: client.client_id, connection: 'sms' },
        'bad.phone_number',
        'Missing required property: phone_number',
      ],
      [
        { ...valid(), authParams: 'x' },
        'bad.authParams',
        'error in authParams - invalid type: string (expected object)',
      ],
      [{ ...valid(), evil: 1 }, 'bad.request', 'the following properties are not allowed: evil'],
      [
        { ...valid(), phone_number: { $gt: '' } },
        'bad.phone_number',
        'error in phone_number - invalid type: object (expected string)',
      ],
      [
        { ...valid(), client_id: ['a'] },
        'bad.client_id',
        'error in client_id - invalid type: array (expected string)',
      ],
      [{ ...valid(), phone_number: 14155552671 }, 'bad.phone_number', /invalid type: number/],
      [
        { ...valid(), phone_number: 'not a phone' },
        'bad.phone_number',
        'String does not match pattern: ^\\+[0-9]{1,15}$',
      ],
      [{ ...valid(), phone_number: '+1555' }, 'bad.phone_number', /not a possible phone number/],
      [{ ...valid(), phone_number: '+99912345678' }, 'bad.phone_number', /not a possible phone number/],
      [{ ...valid(), send: 'carrier-pigeon' }, 'bad.send', /must be one of|send/],
      [{ ...valid(), send: 'link' }, 'bad.send', /Only "code"/],
      [[1, 2], 'bad.body', /invalid type: array \(expected object\)/],
    ];
    for (const [body, error, description] of cases) {
      const result = await start(body);
      assert.equal(result.status, 400, `${JSON.stringify(body)} -> ${result.text}`);
      assert.equal(result.body.error, error, JSON.stringify(body));
      if (typeof description === 'string') assert.equal(result.body.error_description, description);
      else assert.match(result.body.error_description, description);
    }
  });

  it('accepts a number with spaces and dashes, normalized to E.164', async () => {
    const result = await start({ ...valid(), phone_number: '+1 (415) 555-2672' });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.phone_number, '+14155552672');
  });

  it('handles malformed JSON, oversized bodies and unknown media types without a 5xx', async () => {
    const broken = await server.call('POST', '/passwordless/start', { raw: '{"client_id": "abc",,}' });
    assert.equal(broken.status, 400);
    assert.deepEqual(broken.body, { error: 'invalid_request', error_description: 'Invalid JSON body' });
    const empty = await server.call('POST', '/passwordless/start', { raw: '' });
    assert.equal(empty.status, 400);
    const huge = await start({ ...valid(), authParams: { filler: 'x'.repeat(10_000) } });
    assert.equal(huge.status, 413);
    assert.deepEqual(huge.body, {
      error: 'payload_too_large',
      error_description: 'Request body is too large',
    });
    const xml = await server.call('POST', '/passwordless/start', {
      raw: '<a/>',
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(xml.status, 415);
    assert.equal(xml.body.error, 'unsupported_media_type');
    const proto = await server.call('POST', '/passwordless/start', {
      raw: '{"__proto__": {"admin": true}, "client_id": 1}',
    });
    assert.equal(proto.status, 400);
    const missing = await server.call('GET', '/no/such/route');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
  });

  it('answers /oauth/token problems with OAuth errors', async () => {
    const token = (body: Record<string, unknown>) => server.call('POST', '/oauth/token', { json: body });
    const base = {
      grant_type: OTP,
      client_id: client.client_id,
      realm: 'sms',
      username: '+14155552671',
      otp: '123456',
    };
    assert.deepEqual((await token({ ...base, grant_type: 'magic' })).body, {
      error: 'unsupported_grant_type',
      error_description: 'Unsupported grant type: magic',
    });
    assert.deepEqual((await token({ client_id: client.client_id })).body, {
      error: 'invalid_request',
      error_description: 'Missing required property: grant_type',
    });
    assert.deepEqual((await token({ ...base, otp: undefined })).body, {
      error: 'invalid_request',
      error_description: 'Missing required parameter: otp',
    });
    assert.equal((await token({ ...base, otp: { $ne: '' } })).status, 400);
    assert.equal((await token({ ...base, client_id: 'ghost' })).status, 401);
    assert.deepEqual((await token({ ...base, realm: 'nope' })).body, {
      error: 'invalid_request',
      error_description: 'Connection does not exist',
    });
    assert.deepEqual((await token({ ...base, username: 'junk' })).body, {
      error: 'invalid_grant',
      error_description: 'Wrong phone number or verification code.',
    });
    const form = await server.call('POST', '/oauth/token', {
      raw: 'grant_type=x&grant_type=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 400, 'repeated form fields are refused, not merged');
  });

  it('never answers 5xx to random garbage', async () => {
    const values = [
      null,
      true,
      0,
      -1,
      1e308,
      '',
      'x'.repeat(300),
      [],
      {},
      { $where: '1' },
      ['+1'],
      '+14155552671',
      '\u0000',
    ];
    const keys = [
      'client_id',
      'connection',
      'phone_number',
      'send',
      'authParams',
      'client_secret',
      'grant_type',
      'otp',
      'username',
      'realm',
    ];
    let seed = 7;
    const pick = <T>(list: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return list[seed % list.length] as T;
    };
    for (let i = 0; i < 150; i++) {
      const body: Record<string, unknown> = {};
      for (let k = 0; k < 4; k++) body[pick(keys)] = pick(values);
      for (const path of ['/passwordless/start', '/oauth/token', '/oauth/ro', '/gateway/sms']) {
        const result = await server.call('POST', path, { json: body });
        assert.ok(
          result.status >= 400 && result.status < 500,
          `${path} ${JSON.stringify(body)} -> ${result.status} ${result.text}`,
        );
        assert.equal(typeof result.body.error, 'string');
      }
    }
  });
});
