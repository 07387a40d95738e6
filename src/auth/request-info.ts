import type { FastifyRequest } from 'fastify';

/** A BCP 47 language tag, loosely ("en", "pt-BR", "zh-Hant-TW"): nothing else reaches an SMS. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

function languageTag(value: string | undefined): string | null {
  const tag = value?.trim();
  return tag && tag.length <= 35 && LANGUAGE_TAG.test(tag) ? tag : null;
}

/**
 * `x-request-language`, else the first tag of `Accept-Language`, else null (as Auth0 reports it).
 * Callers choose these headers and templates print them, so anything but a language tag is ignored.
 */
export function requestLanguage(request: FastifyRequest): string | null {
  const explicit = request.headers['x-request-language'];
  const fromHeader = typeof explicit === 'string' ? languageTag(explicit) : null;
  if (fromHeader) return fromHeader;
  const accept = request.headers['accept-language'];
  if (typeof accept !== 'string') return null;
  return languageTag(accept.split(',')[0]?.split(';')[0]);
}

export function userAgent(request: FastifyRequest): string {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 512) : '';
}
