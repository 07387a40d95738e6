import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { InvalidBody, ManagementError } from '../http/errors.js';
import { newClient } from '../management/clients.js';
import type { Client } from '../store/clients.js';
import type { Connection, SmsConnectionOptions } from '../store/connections.js';
import { isUniqueViolation } from '../store/database.js';
import type { Stores } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { prefixedId } from '../util/ids.js';
import { DASHBOARD_CLIENT_ID, OPERATORS_CONNECTION } from './operators.js';

/** The dashboard application as it must be: a public SPA on this server's own origin. */
function dashboardFields(issuer: string): Partial<Client> {
  const home = new URL('admin/', issuer).toString();
  const origin = new URL(issuer).origin;
  return {
    client_id: DASHBOARD_CLIENT_ID,
    client_secret: null,
    name: 'otpline dashboard',
    app_type: 'spa',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    callbacks: [home],
    web_origins: [origin],
    allowed_origins: [origin],
    allowed_logout_urls: [home],
    is_management: false,
    is_first_party: true,
  };
}

/** Options no one may give the operators' connection: they would send its codes elsewhere. */
const ROUTING_OPTIONS = [
  'provider',
  'gateway_url',
  'gateway_authentication',
  'twilio_sid',
  'twilio_token',
  'messaging_service_sid',
] as const;

const OPERATOR_OPTIONS: SmsConnectionOptions = {
  strategy: 'sms',
  name: OPERATORS_CONNECTION,
  syntax: 'md_with_macros',
  template: 'Your otpline dashboard code is @@password@@',
  totp: { time_step: 300, length: 6 },
  brute_force_protection: true,
  disable_signup: false,
};

/**
 * Makes (or puts back) the dashboard's application and the operators' sms connection at every
 * start. The connection has no provider nor gateway_url, so its codes go through the outbox and the
 * configured provider; its template, sender and code settings are the operator's to change.
 */
export async function ensureDashboard(stores: Stores, config: Config, clock: Clock, logger: Logger) {
  const now = clock.now();
  const fields = dashboardFields(config.issuer);
  const existing = await stores.clients.get(DASHBOARD_CLIENT_ID);
  if (existing) {
    await stores.clients.update({ ...existing, ...fields, updated_at: now });
  } else {
    await stores.clients
      .insert(newClient({ name: 'otpline dashboard' }, now, fields))
      .catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
      });
  }
  const connection = await stores.connections.getByName(OPERATORS_CONNECTION);
  if (connection) {
    const options = { ...connection.options };
    for (const key of ROUTING_OPTIONS) delete options[key];
    await stores.connections.update({
      ...connection,
      strategy: 'sms',
      options,
      enabled_clients: [DASHBOARD_CLIENT_ID],
      updated_at: now,
    });
    return;
  }
  const created: Connection = {
    id: prefixedId('con'),
    name: OPERATORS_CONNECTION,
    strategy: 'sms',
    display_name: 'otpline operators',
    options: OPERATOR_OPTIONS,
    enabled_clients: [DASHBOARD_CLIENT_ID],
    is_domain_connection: false,
    realms: [OPERATORS_CONNECTION],
    metadata: {},
    created_at: now,
    updated_at: now,
  };
  await stores.connections.insert(created).catch((err: unknown) => {
    if (!isUniqueViolation(err)) throw err;
  });
  logger.info({ connection: OPERATORS_CONNECTION }, 'created the dashboard’s application and connection');
}

const builtIn = (what: string) =>
  new ManagementError(400, 'operation_not_supported', `${what} is built in: otpline sets it up at start`);

/** The Management API may not change or delete the dashboard's application. */
export function refuseDashboardClient(clientId: string): void {
  if (clientId === DASHBOARD_CLIENT_ID) throw builtIn(`The application ${DASHBOARD_CLIENT_ID}`);
}

/** The operators' connection may not be deleted, re-routed, or enabled for other applications. */
export function checkConnectionChange(connection: Pick<Connection, 'name' | 'options' | 'enabled_clients'>) {
  const operators = connection.name === OPERATORS_CONNECTION;
  if (!operators && connection.enabled_clients.includes(DASHBOARD_CLIENT_ID))
    throw new InvalidBody(`${DASHBOARD_CLIENT_ID} signs in with ${OPERATORS_CONNECTION} only`);
  if (!operators) return;
  if (connection.enabled_clients.length !== 1 || connection.enabled_clients[0] !== DASHBOARD_CLIENT_ID)
    throw builtIn(`The enabled_clients of ${OPERATORS_CONNECTION}`);
  for (const key of ROUTING_OPTIONS)
    if (connection.options[key] !== undefined)
      throw builtIn(`The delivery of ${OPERATORS_CONNECTION} (options.${key})`);
}

export function refuseOperatorsConnectionDelete(connection: Pick<Connection, 'name'>): void {
  if (connection.name === OPERATORS_CONNECTION) throw builtIn(`The connection ${OPERATORS_CONNECTION}`);
}
