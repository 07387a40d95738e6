import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeHttpApi } from './helpers/fake-http-api.js';
import { createClient, createConnection } from './helpers/flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { codeIn, SmsSink } from './helpers/sms-sink.js';
import { twilioApi } from './providers/fakes/twilio-api.js';

// The connection's own Twilio account (Auth0's twilio_sid / twilio_token), not the server's.
const CONNECTION_ACCOUNT = {
  accountSid: `AC${'a1b2c3d4e5f60718'.repeat(2)}`,
  authToken: 'connection-auth-token-123',
};
const SERVICE = `MG${'0123456789abcdef'.repeat(2)}`;

describe('an Auth0 connection with provider "twilio" and its own account', () => {
  let server: TestServer;
  let sink: SmsSink;
  let twilio: FakeHttpApi;
  let client: { client_id: string };

  before(async () => {
    sink = await SmsSink.start();
    twilio = await FakeHttpApi.start(twilioApi(CONNECTION_ACCOUNT));
    server = await startTestServer({
      provider: {
        name: 'webhook',
        webhook: { url: sink.url },
        // Where Twilio is reached (a proxy, or here the fake); the account is the connection's.
        twilio: { accountSid: `AC${'f'.repeat(32)}`, authToken: 'server-account-token', baseUrl: twilio.url },
      },
    });
    client = await createClient(server);
  });
  after(async () => {
    await server.stop();
    await sink.close();
    await twilio.close();
  });

  const login = (connection: string, phone: string, otp: string) =>
    server.call('POST', '/oauth/token', {
      json: {
        grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        client_id: client.client_id,
        realm: connection,
        username: phone,
        otp,
      },
    });

  it("sends through Twilio with the connection's credentials and Messaging Service, as Auth0 does", async () => {
    await createConnection(server, {
      name: 'twilio-own',
      strategy: 'sms',
      options: {
        provider: 'twilio',
        twilio_sid: CONNECTION_ACCOUNT.accountSid,
        twilio_token: CONNECTION_ACCOUNT.authToken,
        messaging_service_sid: SERVICE,
        template: 'Code @@password@@',
      },
      enabled_clients: [client.client_id],
    });
    const sinkBefore = sink.received.length;
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'twilio-own', phone_number: '+14155552671' },
    });
    assert.equal(start.status, 200, start.text);
    await twilio.waitFor(1);
    assert.deepEqual(twilio.refusals, [], 'the fake took the connection account credentials');
    const sent = new URLSearchParams(twilio.requests.at(-1)?.raw);
    assert.equal(sent.get('MessagingServiceSid'), SERVICE);
    assert.equal(sent.get('To'), '+14155552671');
    assert.equal((await login('twilio-own', '+14155552671', codeIn(sent.get('Body')))).status, 200);
    assert.equal(sink.received.length, sinkBefore, 'the default provider sent nothing');
  });

  it('uses the configured providers for a twilio connection without credentials (the Auth0 default)', async () => {
    await createConnection(server, {
      name: 'twilio-default',
      strategy: 'sms',
      options: { template: 'Code @@password@@' },
      enabled_clients: [client.client_id],
    });
    const twilioBefore = twilio.received.length;
    const start = await server.call('POST', '/passwordless/start', {
      json: { client_id: client.client_id, connection: 'twilio-default', phone_number: '+14155552672' },
    });
    assert.equal(start.status, 200);
    await sink.waitFor(1);
    assert.equal(twilio.received.length, twilioBefore);
  });
});
