// SMPP through the whole server: a gateway message reaches a real SMPP server acting as the SMSC,
// and the SMSC's delivery receipt (deliver_sm) moves the message to delivered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayToken, startTestServer, type TestServer } from './helpers/server.js';
import { FakeSmsc } from './providers/fakes/smsc.js';

const ACCOUNT = { systemId: 'otpline', password: 'smpp-pass' };

describe('SMPP end to end', () => {
  let smsc: FakeSmsc;
  let server: TestServer;

  before(async () => {
    smsc = await FakeSmsc.start(ACCOUNT);
    server = await startTestServer(
      {
        provider: {
          name: 'smpp',
          smpp: { host: '127.0.0.1', port: smsc.port, ...ACCOUNT, sourceAddr: 'otpline' },
        },
      },
      { noWorker: true },
    );
  });
  after(async () => {
    await server.stop();
    await smsc.close();
  });

  it('binds at start, submits a gateway message, and applies the deliver_sm receipt', async () => {
    const token = await gatewayToken(server);
    const accepted = await server.call('POST', '/gateway/sms', {
      json: { recipient: '+14155552671', body: 'Your code is 123456' },
      token,
    });
    assert.equal(accepted.status, 200, accepted.text);
    await server.services.worker.runOnce();
    const part = smsc.parts.at(-1);
    assert.ok(part, 'the SMSC got a submit_sm');
    const shown = async () =>
      (
        await server.call('GET', `/api/v2/sms-messages/${accepted.body.id}`, {
          token: await server.adminToken(),
        })
      ).body;
    const sent = await shown();
    assert.equal(sent.status, 'sent');
    assert.equal(sent.provider_message_id, part.messageId);

    const receipt = `id:${part.messageId} sub:001 dlvrd:001 submit date:2512011200 done date:2512011201 stat:DELIVRD err:000 text:`;
    assert.equal(
      await smsc.deliver({ esm_class: 0x04, short_message: receipt }),
      0,
      'the receipt is answered',
    );
    let message = await shown();
    for (let i = 0; i < 50 && message.status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      message = await shown();
    }
    assert.equal(message.status, 'delivered');
    assert.equal(message.receipt_detail, 'stat:DELIVRD err:000');
  });
});
