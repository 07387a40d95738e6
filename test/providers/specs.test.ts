import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ACCOUNT_SID_PATTERN, SERVICE_SID_PATTERN, TWILIO_FIELDS } from './fakes/twilio-api.js';
import { VONAGE_FIELDS, VONAGE_REQUIRED } from './fakes/vonage-api.js';

// The providers' published OpenAPI documents live beside the project (../shared/specs, see its
// README) and are not shipped with it: where they are at hand, the fakes are checked against them.
const specs = resolve(import.meta.dirname, '../../../shared/specs');

describe("the fake Twilio follows Twilio's OpenAPI document", () => {
  const file = resolve(specs, 'twilio_api_v2010.json');
  it('has the same path, fields, SID formats, auth and success body', (t) => {
    if (!existsSync(file)) return t.skip(`no ${file} here`);
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    const create = spec.paths['/2010-04-01/Accounts/{AccountSid}/Messages.json'].post;
    const form = create.requestBody.content['application/x-www-form-urlencoded'].schema;
    assert.deepEqual(form.required, ['To']);
    for (const field of TWILIO_FIELDS) assert.ok(form.properties[field], field);
    assert.equal(form.properties.MessagingServiceSid.pattern, SERVICE_SID_PATTERN.source);
    assert.equal(create.parameters[0].schema.pattern, ACCOUNT_SID_PATTERN.source);
    assert.match(form.properties.Body.description, /up to 1,600 characters/);
    assert.deepEqual(spec.components.securitySchemes.accountSid_authToken, { scheme: 'basic', type: 'http' });
    const message = spec.components.schemas['api.v2010.account.message'].properties;
    for (const field of ['sid', 'status', 'account_sid', 'error_code']) assert.ok(message[field], field);
    assert.ok(create.responses['201']);
  });
});

describe("the fake Vonage follows Vonage's OpenAPI document", () => {
  const file = resolve(specs, 'vonage-sms.yml');
  it('has the same fields, required ones and status codes', (t) => {
    if (!existsSync(file)) return t.skip(`no ${file} here`);
    const yaml = readFileSync(file, 'utf8');
    // A schema's block: from its name to the next line indented as little (no YAML parser needed).
    const block = (name: string) => yaml.slice(yaml.indexOf(`\n    ${name}:\n`)).split(/\n {4}\S/)[1] ?? '';
    const newMessage = block('NewMessage');
    // `timestamp` goes with `sig` (its description says so) but is not a property of its own.
    for (const field of VONAGE_FIELDS.filter((f) => f !== 'timestamp'))
      assert.match(newMessage, new RegExp(`\\n {8}${field}:\\n`), field);
    assert.match(
      newMessage,
      new RegExp(`required:\\n${VONAGE_REQUIRED.map((f) => ` {8}- ${f}\\n`).join('')}`),
    );
    assert.match(newMessage, /pattern: '\\d\{7,15\}'/);
    const receipt = block('DeliveryReceipt');
    for (const field of ['messageId', 'status', 'err-code', 'message-timestamp', 'timestamp', 'nonce', 'sig'])
      assert.match(receipt, new RegExp(`\\n {8}${field}:\\n`), field);
    const codes = {
      1: 'Throttled',
      4: 'Invalid Credentials',
      9: 'Partner Quota',
      15: 'Invalid Sender Address',
    };
    for (const [code, words] of Object.entries(codes))
      assert.match(yaml, new RegExp(`"${code}":\\n {4}description: ${words}`), code);
  });
});
