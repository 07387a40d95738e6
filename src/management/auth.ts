import type { FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import Type, { type TSchema } from 'typebox';
import { DASHBOARD_CLIENT_ID } from '../admin/operators.js';
import { managementAudience } from '../auth/tokens.js';
import { ManagementError } from '../http/errors.js';
import type { Services } from '../services.js';
import type { ManagementScope } from './scopes.js';

/** What checking a Management API token needs. */
export type ManagementAuthDeps = Pick<Services, 'config' | 'tokens' | 'operators'>;

/**
 * The scopes of a valid Management API token in an Authorization header. A dashboard operator's
 * token (a user's, not a client's) counts only while that phone is still an operator.
 */
export async function managementScopes(services: ManagementAuthDeps, header: string | undefined) {
  const match = header ? /^bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) throw new ManagementError(401, 'missing_authentication', 'Missing authentication');
  let payload: JWTPayload;
  try {
    payload = await services.tokens.verifyAccessToken(match[1], managementAudience(services.config.issuer));
  } catch {
    throw new ManagementError(401, 'invalid_token', 'Invalid token');
  }
  if (payload.gty !== 'client-credentials') {
    const userId = /^sms\|(.+)$/.exec(payload.sub ?? '')?.[1];
    if (payload.azp !== DASHBOARD_CLIENT_ID || !userId || !(await services.operators.operatorPhone(userId)))
      throw new ManagementError(401, 'invalid_token', 'Invalid token: not an operator of this otpline');
  }
  return typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
}

/** An onRequest hook (it runs before the body is read) that admits only a valid Management API token carrying `scope`. */
export function requireScope(services: ManagementAuthDeps, scope: ManagementScope) {
  return async (request: FastifyRequest): Promise<void> => {
    const granted = await managementScopes(services, request.headers.authorization);
    if (!granted.includes(scope)) {
      throw new ManagementError(403, 'insufficient_scope', `Insufficient scope, expected any of: ${scope}`);
    }
  };
}

export const PageQuery = {
  page: Type.Integer({ minimum: 0, default: 0, description: 'Page index, from 0' }),
  per_page: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  include_totals: Type.Boolean({
    default: false,
    description: 'Wrap the list with start, limit, length and total',
  }),
};

export interface PageParams {
  page: number;
  per_page: number;
  include_totals: boolean;
}

/** Auth0's paging: a bare array, or `{<key>, start, limit, length, total}` with include_totals. */
export function paged<T>(key: string, items: T[], total: number, params: PageParams) {
  if (!params.include_totals) return items;
  return {
    [key]: items,
    start: params.page * params.per_page,
    limit: params.per_page,
    length: items.length,
    total,
  };
}

/** The response schema of a list: the bare array, or the page wrapped with its totals. */
export function PagedReply<T extends TSchema>(key: string, item: T) {
  return Type.Union([
    Type.Array(item),
    Type.Object({
      [key]: Type.Array(item),
      start: Type.Integer(),
      limit: Type.Integer(),
      length: Type.Integer(),
      total: Type.Integer(),
    }),
  ]);
}

/** Deletes answer with no body. */
export const NoContent = Type.Null({ description: 'No body' });

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
export const ManagementErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  errorCode: Type.Optional(Type.String()),
});
