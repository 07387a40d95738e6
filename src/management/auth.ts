import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { managementAudience } from '../auth/tokens.js';
import { ManagementError } from '../http/errors.js';
import type { Services } from '../services.js';
import type { ManagementScope } from './scopes.js';

/** An onRequest hook (it runs before the body is read) that admits only a valid Management API token carrying `scope`. */
export function requireScope(services: Services, scope: ManagementScope) {
  const audience = managementAudience(services.config.issuer);
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new ManagementError(401, 'missing_authentication', 'Missing authentication');
    let granted: string[];
    try {
      const payload = await services.tokens.verifyAccessToken(match[1], audience);
      granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    } catch {
      throw new ManagementError(401, 'invalid_token', 'Invalid token');
    }
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

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
export const ManagementErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  errorCode: Type.Optional(Type.String()),
});
