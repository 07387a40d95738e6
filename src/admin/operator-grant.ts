import type { GrantDeps } from '../auth/grants/types.js';
import { managementAudience } from '../auth/tokens.js';
import { AuthError } from '../http/errors.js';
import type { Client } from '../store/clients.js';
import type { User } from '../store/users.js';
import { DASHBOARD_CLIENT_ID } from './operators.js';

/**
 * Whether the user tokens being issued are a dashboard operator's Management API token: true for
 * the Management API audience when the dashboard asks for an operator; refused for anyone else.
 */
export async function operatorGrant(
  deps: Pick<GrantDeps, 'config' | 'operators'>,
  client: Client,
  user: User,
  audience: string | undefined,
): Promise<boolean> {
  if (audience === undefined || audience !== managementAudience(deps.config.issuer)) return false;
  if (client.client_id !== DASHBOARD_CLIENT_ID)
    throw new AuthError(403, 'access_denied', `Service not found: ${audience}`);
  if (!(await deps.operators.operatorPhone(user.id)))
    throw new AuthError(403, 'access_denied', 'This phone number may not use the dashboard');
  return true;
}
