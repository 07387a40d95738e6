import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The browser session at the hosted login: an opaque id, its hash stored (src/store/web-logins.ts). */
export const SESSION_COOKIE = 'otpline_session';
/** One login in progress (its /authorize parameters, the phone, the CSRF token), signed. */
export const LOGIN_COOKIE = 'otpline_login';
/**
 * The embedded login's co_verifier, set by /co/authenticate (a cross-site call, hence SameSite=None)
 * and shown back at /authorize with the login ticket: the ticket works only in that browser.
 */
export const CO_VERIFIER_COOKIE = 'otpline_co';
/** A code checked at /passwordless/verify, for /passwordless/verify_redirect to finish the login with. */
export const VERIFY_COOKIE = 'otpline_pv';

/** The cookies of a request, by name (the first of each name wins, as browsers send the most specific first). */
export function cookiesOf(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  const header = request.headers.cookie;
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    if (cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(part.slice(at + 1).trim()));
    } catch {
      // A cookie that is not ours (or tampered with) is ignored.
    }
  }
  return cookies;
}

/**
 * HttpOnly and Secure always (no script reads it, no plain-HTTP hop carries it); SameSite=Lax unless
 * the operator lets the session cookie reach another site's iframe (`none`, as Auth0's own cookie).
 */
export function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  maxAgeSeconds: number,
  sameSite: 'lax' | 'none' = 'lax',
): void {
  const cookie = `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=${sameSite === 'none' ? 'None' : 'Lax'}`;
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  reply.header('set-cookie', [...list, cookie]);
}

export function clearCookie(reply: FastifyReply, name: string, sameSite: 'lax' | 'none' = 'lax'): void {
  setCookie(reply, name, '', 0, sameSite);
}

/** Signs small JSON values with HMAC-SHA256 so a browser can carry them and not change them. */
export class CookieSigner {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    // A key of its own, derived from the server's secret: a cookie signature is never a code hash.
    this.key = createHmac('sha256', secret).update('otpline hosted login cookie').digest();
  }

  sign(value: object): string {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The value, or undefined when the cookie is missing, malformed or not signed by this server. */
  verify<T>(cookie: string | undefined): T | undefined {
    if (!cookie) return undefined;
    const dot = cookie.lastIndexOf('.');
    if (dot < 0) return undefined;
    const payload = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(this.mac(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
