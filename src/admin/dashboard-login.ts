import type { FastifyReply, FastifyRequest } from 'fastify';
import { managementAudience, userinfoAudience } from '../auth/tokens.js';
import type { Services } from '../services.js';
import type { Client } from '../store/clients.js';
import type { User } from '../store/users.js';
import { clearCookie, cookiesOf } from '../web/cookies.js';
import { DASHBOARD_CLIENT_ID, OPERATORS_CONNECTION, SETUP_COOKIE } from './operators.js';

/** What the hosted login's dashboard checks read. */
export type DashboardLoginDeps = Pick<Services, 'config' | 'stores' | 'operators'>;

/** The audiences /authorize accepts: userinfo for every application, the Management API for the dashboard. */
export function audienceAllowed(client: Client, audience: string, issuer: string): boolean {
  if (audience === userinfoAudience(issuer)) return true;
  return audience === managementAudience(issuer) && client.client_id === DASHBOARD_CLIENT_ID;
}

/** False when the login asks for the Management API and the user is not (or no longer) an operator. */
export async function mayGetCode(
  deps: DashboardLoginDeps,
  audience: string | undefined,
  userId: string,
): Promise<boolean> {
  if (audience !== managementAudience(deps.config.issuer)) return true;
  const { operators } = deps;
  return (await operators.operatorPhone(userId)) !== undefined;
}

/**
 * At the end of a dashboard login: a browser that opened the setup link carries its token in a
 * cookie; the phone that just proved itself becomes an operator and the token is used up.
 */
export async function claimSetupLink(
  deps: DashboardLoginDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  client: Client,
  user: User,
): Promise<void> {
  const token = cookiesOf(request).get(SETUP_COOKIE);
  if (!token || client.client_id !== DASHBOARD_CLIENT_ID) return;
  clearCookie(reply, SETUP_COOKIE);
  const { operators } = deps;
  if (await operators.operatorPhone(user.id)) return;
  const connection = await deps.stores.connections.getByName(OPERATORS_CONNECTION);
  if (connection?.id !== user.connection_id) return;
  if (await operators.claimSetup(token, user.phone_number))
    request.log.warn({ operator: user.id }, 'the setup link made a first dashboard operator');
}

/**
 * Whether the dashboard's sign-in page should text this phone a code. Only operators (or whoever
 * holds the live setup link) get one: no SMS is paid for, or pumped, towards other numbers. The
 * page looks the same either way, so it does not tell who is an operator.
 */
export async function operatorSmsWanted(
  deps: DashboardLoginDeps,
  request: FastifyRequest,
  connection: string,
  phone: string,
): Promise<boolean> {
  if (connection !== OPERATORS_CONNECTION) return true;
  const { operators } = deps;
  if (await operators.isOperator(phone)) return true;
  const setup = cookiesOf(request).get(SETUP_COOKIE);
  return setup !== undefined && setup.length <= 128 && (await operators.setupTokenValid(setup));
}
