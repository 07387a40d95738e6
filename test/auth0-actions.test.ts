// Runs the Actions of docs/auth0-actions.md as Auth0 runs them: a CommonJS module with `exports`,
// an event with secrets, Node's fetch; against a real otpline whose provider is a webhook sink.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { GATEWAY_SECRET, startTestServer, type TestServer } from './helpers/server.js';
import { SmsSink } from './helpers/sms-sink.js';

const doc = readFileSync(join(resolve(import.meta.dirname, '..'), 'docs', 'auth0-actions.md'), 'utf8');

/** The code block between `<!-- action:<name>:start -->` and its end marker, loaded as a module. */
function loadAction(name: string): Record<string, (event: unknown, api: unknown) => Promise<void>> {
  const match = new RegExp(
    `<!-- action:${name}:start -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\`\\s*<!-- action:${name}:end -->`,
  ).exec(doc);
  assert.ok(match?.[1], `docs/auth0-actions.md has the ${name} Action`);
  const module = { exports: {} as Record<string, (event: unknown, api: unknown) => Promise<void>> };
  runInNewContext(match[1], {
    require: createRequire(import.meta.url),
    module,
    exports: module.exports,
    fetch,
    Buffer,
    URL,
  });
  return module.exports;
}

describe('the Auth0 Actions in docs/auth0-actions.md', () => {
  let server: TestServer;
  let sink: SmsSink;
  let secrets: Record<string, string>;

  before(async () => {
    sink = await SmsSink.start();
    server = await startTestServer({ provider: { name: 'webhook', webhook: { url: sink.url } } });
    secrets = {
      OTPLINE_URL: server.url,
      OTPLINE_GATEWAY_SECRET: GATEWAY_SECRET,
      OTPLINE_GATEWAY_AUDIENCE: `${server.config.issuer}gateway/sms`,
    };
  });
  after(async () => {
    await server.stop();
    await sink.close();
  });

  it('custom-phone-provider sends the notification through otpline', async () => {
    const action = loadAction('custom-phone-provider');
    const count = sink.received.length;
    await action.onExecuteCustomPhoneProvider?.(
      {
        secrets,
        notification: {
          recipient: '+14155552671',
          as_text: 'Your verification code is 482913',
          as_voice: 'Your verification code is 4 8 2 9 1 3',
          message_type: 'otp_verify',
          delivery_method: 'text',
          code: '482913',
        },
      },
      {},
    );
    await sink.waitFor(count + 1);
    assert.deepEqual(
      { to: sink.last().body.to, body: sink.last().body.body },
      { to: '+14155552671', body: 'Your verification code is 482913' },
    );
  });

  it('send-phone-message sends the MFA code through otpline', async () => {
    const action = loadAction('send-phone-message');
    const count = sink.received.length;
    await action.onExecuteSendPhoneMessage?.(
      {
        secrets,
        message_options: {
          recipient: '+447700900123',
          text: 'Your MFA code is 555123',
          message_type: 'sms',
          action: 'second-factor-authentication',
          code: '555123',
        },
      },
      {},
    );
    await sink.waitFor(count + 1);
    assert.equal(sink.last().body.to, '+447700900123');
    assert.equal(sink.last().body.body, 'Your MFA code is 555123');
  });

  it('fails the Action, so Auth0 reports it, when otpline refuses (voice, or a wrong secret)', async () => {
    const action = loadAction('send-phone-message');
    const voice = {
      secrets,
      message_options: { recipient: '+14155552671', text: 'code 1', message_type: 'voice' },
    };
    await assert.rejects(action.onExecuteSendPhoneMessage?.(voice, {}) as Promise<void>, /400/);
    const forged = {
      secrets: { ...secrets, OTPLINE_GATEWAY_SECRET: 'not-the-gateway-secret-at-all' },
      message_options: { recipient: '+14155552671', text: 'code 1', message_type: 'sms' },
    };
    await assert.rejects(action.onExecuteSendPhoneMessage?.(forged, {}) as Promise<void>, /401/);
  });
});
