import type { FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { managementAudience } from '../auth/tokens.js';
import { ManagementError } from '../http/errors.js';
import type { Services } from '../services.js';
import type { ManagementScope } from './scopes.js';

/** What checking a Management API token needs. */
export type ManagementAuthDeps = Pick<Services, 'config' | 'tokens'>;

/** An onRequest hook (it runs before the body is read) that admits only a valid Management API token carrying `scope`. */
export function requireScope(services: ManagementAuthDeps, scope: ManagementScope) {
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
