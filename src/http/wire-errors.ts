import type { OtplineError } from '../errors.js';
import { AuthError } from './errors.js';
import type { ErrorStyle } from './validation.js';

/**
 * Renders a failure the way the Auth0 endpoint it happened at words it: `/passwordless/start`
 * names the bad parameter (`bad.connection`), `/oauth/token` says `invalid_request`, and a wrong
 * code is `403 invalid_grant` there but `401 invalid_user_password` at the legacy `/oauth/ro`.
 */
export function wireError(err: OtplineError, style: ErrorStyle): AuthError {
  const start = style === 'passwordless';
  const retry: Record<string, string> =
    err.extra.retryAfterSeconds === undefined ? {} : { 'retry-after': String(err.extra.retryAfterSeconds) };
  switch (err.code) {
    case 'invalid_parameter':
      return start || style === 'gateway'
        ? new AuthError(400, `bad.${err.extra.parameter ?? 'request'}`, err.message)
        : new AuthError(400, 'invalid_request', err.message);
    case 'unknown_client':
      // The token endpoints do not tell an unknown client from a wrong secret.
      return start
        ? new AuthError(400, 'bad.client_id', err.message)
        : new AuthError(401, 'access_denied', 'Unauthorized');
    case 'client_authentication_failed':
      return new AuthError(401, 'access_denied', err.message);
    case 'unknown_connection':
    case 'disabled_connection':
    case 'not_a_passwordless_connection':
      return new AuthError(400, start ? 'bad.connection' : 'invalid_request', err.message);
    case 'grant_not_allowed':
      return new AuthError(403, 'unauthorized_client', err.message);
    case 'unsupported_grant_type':
      return new AuthError(403, 'unsupported_grant_type', err.message);
    case 'audience_not_allowed':
      return new AuthError(403, 'access_denied', err.message);
    case 'signup_disabled':
      return new AuthError(start ? 400 : 403, 'access_denied', err.message);
    case 'wrong_code':
      return style === 'legacy_ro'
        ? new AuthError(401, 'invalid_user_password', err.message)
        : new AuthError(403, 'invalid_grant', err.message);
    case 'phone_blocked':
      return new AuthError(429, 'too_many_attempts', err.message, retry);
    case 'rate_limited':
      return new AuthError(429, 'too_many_requests', err.message, retry);
    case 'country_not_allowed':
      return new AuthError(400, `bad.${err.extra.parameter ?? 'phone_number'}`, err.message);
    case 'captcha_required':
      return new AuthError(400, 'requires_captcha', err.message);
    case 'captcha_invalid':
      return new AuthError(400, 'invalid_captcha', err.message);
    case 'sms_not_sent':
      return new AuthError(400, 'sms_provider_error', err.message);
  }
}
