import type { FastifyRequest } from 'fastify';

/** `x-request-language`, else the first tag of `Accept-Language`, else null (as Auth0 reports it). */
export function requestLanguage(request: FastifyRequest): string | null {
  const explicit = request.headers['x-request-language'];
  if (typeof explicit === 'string' && explicit.trim()) return explicit.trim().slice(0, 35);
  const accept = request.headers['accept-language'];
  if (typeof accept !== 'string') return null;
  const first = accept.split(',')[0]?.split(';')[0]?.trim();
  return first && first !== '*' ? first.slice(0, 35) : null;
}

export function userAgent(request: FastifyRequest): string {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 512) : '';
}
