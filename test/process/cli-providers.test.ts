import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runOtpline } from '../helpers/process.js';
import { SmsSink } from '../helpers/sms-sink.js';

const SECRET = 'webhook-signing-secret-do-not-print';

describe('otpline providers list | test', () => {
  let sink: SmsSink;
  let dir: string;
  before(async () => {
    sink = await SmsSink.start();
    dir = mkdtempSync(join(tmpdir(), 'otpline-providers-'));
  });
  after(async () => {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}) {
    const proc = runOtpline(args, {
      OTPLINE_DATA_DIR: join(dir, 'data'),
      OTPLINE_PROVIDER: 'webhook',
      OTPLINE_WEBHOOK_URL: `${sink.url}/deliver`,
      OTPLINE_WEBHOOK_SECRET: SECRET,
      OTPLINE_LOG_LEVEL: 'warn',
      ...env,
    });
    return { code: await proc.exited, out: proc.output() };
  }

  it('lists the configured providers and routes, never a secret', async () => {
    const config = join(dir, 'routes.json');
    writeFileSync(
      config,
      JSON.stringify({
        routing: { routes: [{ countries: ['GB'], prefixes: ['+4477'], providers: ['webhook', 'console'] }] },
      }),
    );
    const { code, out } = await run(['providers', 'list', '--config', config]);
    assert.equal(code, 0, out);
    assert.match(out, /webhook \(default\): Webhook/);
    assert.match(out, /OTPLINE_WEBHOOK_URL\s+"http:\/\/127\.0\.0\.1:\d+\/deliver"/);
    assert.match(out, /OTPLINE_WEBHOOK_SECRET\s+\(set\)/);
    assert.match(out, /console: /, 'a provider a route names is configured too');
    assert.match(out, /GB, \+4477: webhook → console/);
    assert.ok(!out.includes(SECRET), 'the secret is not printed');
  });

  it('sends one message through a provider and prints its answer', async () => {
    const count = sink.received.length;
    const sent = await run([
      'providers',
      'test',
      'webhook',
      '--to',
      '+1 415 555 2671',
      '--text',
      'hello from otpline',
    ]);
    assert.equal(sent.code, 0, sent.out);
    assert.match(sent.out, /"outcome": "accepted"/);
    assert.equal(sink.received.length, count + 1);
    assert.equal(sink.last().body.to, '+14155552671');
    assert.equal(sink.last().body.body, 'hello from otpline');

    sink.respondWith(400);
    const refused = await run(['providers', 'test', 'webhook', '--to', '+14155552671']);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /"outcome": "permanent"/);
    assert.match(refused.out, /HTTP 400/);

    const junk = await run(['providers', 'test', 'webhook', '--to', 'nobody']);
    assert.equal(junk.code, 2);
    assert.match(junk.out, /--to must be a phone number/);
  });
});
