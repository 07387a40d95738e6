import type { TestServer } from './server.js';

/** The walk-through's connection payload, as Auth0's docs give it. */
export function walkthroughConnection(
  gatewayUrl: string,
  clientIds: string[],
  extra: Record<string, unknown> = {},
) {
  return {
    options: {
      disable_signup: false,
      name: 'sms-custom-wt',
      strategy: 'sms',
      provider: 'sms_gateway',
      gateway_url: gatewayUrl,
      from: '+11111111111',
      syntax: 'md_with_macros',
      template: 'Your one time password is > @@password@@',
      totp: { time_step: 300, length: 6 },
      brute_force_protection: true,
      ...extra,
    },
    enabled_clients: clientIds,
  };
}

export async function createClient(server: TestServer, body: Record<string, unknown> = {}) {
  const result = await server.call('POST', '/api/v2/clients', {
    token: await server.adminToken(),
    json: { name: 'My App', app_type: 'native', ...body },
  });
  if (result.status !== 201) throw new Error(`create client: ${result.status} ${result.text}`);
  return result.body as { client_id: string; client_secret: string };
}

export async function createConnection(server: TestServer, body: Record<string, unknown>) {
  const result = await server.call('POST', '/api/v2/connections', {
    token: await server.adminToken(),
    json: body,
  });
  if (result.status !== 201) throw new Error(`create connection: ${result.status} ${result.text}`);
  return result.body as { id: string; name: string };
}

/** A client and an sms connection whose messages go to otpline's own gateway, then the outbox. */
export async function localSetup(server: TestServer, connection: Record<string, unknown> = {}, name = 'sms') {
  const client = await createClient(server);
  await createConnection(server, {
    name,
    strategy: 'sms',
    options: {
      provider: 'sms_gateway',
      gateway_url: `${server.config.issuer}gateway/sms`,
      template: 'Code: @@password@@',
      ...connection,
    },
    enabled_clients: [client.client_id],
  });
  return client;
}
