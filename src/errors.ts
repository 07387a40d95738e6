/**
 * Everything that can go wrong for a caller of the Authentication API or the gateway, as one
 * closed set. The logic throws these; each endpoint renders them in its own Auth0 wire shape
 * (src/http/wire-errors.ts), so `/oauth/token` and `/oauth/ro` can word the same failure
 * differently. `message` may be shown to the caller; `detail` is logged and never sent.
 */
export type ErrorCode =
  | 'invalid_parameter'
  | 'unknown_client'
  | 'client_authentication_failed'
  | 'unknown_connection'
  | 'disabled_connection'
  | 'not_a_passwordless_connection'
  | 'grant_not_allowed'
  | 'unsupported_grant_type'
  | 'audience_not_allowed'
  | 'signup_disabled'
  | 'wrong_code'
  | 'phone_blocked'
  | 'rate_limited'
  | 'country_not_allowed'
  | 'captcha_required'
  | 'captcha_invalid'
  | 'sms_not_sent';

export class OtplineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { parameter?: string; retryAfterSeconds?: number; detail?: string } = {},
  ) {
    super(message);
  }
}

export class InvalidParameter extends OtplineError {
  constructor(parameter: string, message: string) {
    super('invalid_parameter', message, { parameter });
  }
}
export class UnknownClient extends OtplineError {
  constructor(clientId: string) {
    super('unknown_client', `Unknown client: ${clientId}`);
  }
}
export class ClientAuthenticationFailed extends OtplineError {
  constructor() {
    super('client_authentication_failed', 'Unauthorized');
  }
}
export class ConnectionUnavailable extends OtplineError {
  constructor(code: 'unknown_connection' | 'disabled_connection' | 'not_a_passwordless_connection') {
    const messages = {
      unknown_connection: 'Connection does not exist',
      disabled_connection: 'Connection is disabled',
      not_a_passwordless_connection:
        'Invalid connection strategy. It must either be a passwordless connection',
    };
    super(code, messages[code]);
  }
}
export class GrantNotAllowed extends OtplineError {
  constructor(grantType: string) {
    super('grant_not_allowed', `Grant type '${grantType}' not allowed for the client.`);
  }
}
export class UnsupportedGrantType extends OtplineError {
  constructor(grantType: string) {
    super('unsupported_grant_type', `Unsupported grant type: ${grantType}`);
  }
}
/** The client may not have tokens for this audience, or no such API exists. */
export class AudienceNotAllowed extends OtplineError {
  constructor(message: string) {
    super('audience_not_allowed', message);
  }
}
export class SignupDisabled extends OtplineError {
  constructor() {
    super('signup_disabled', 'Signups are disabled for this connection');
  }
}
/** Auth0's SDKs match on this exact text. */
export const WRONG_CODE = 'Wrong phone number or verification code.';
export class WrongCode extends OtplineError {
  constructor() {
    super('wrong_code', WRONG_CODE);
  }
}
export class PhoneBlocked extends OtplineError {
  constructor(retryAfterSeconds: number) {
    super('phone_blocked', 'Your account has been blocked after multiple consecutive login attempts.', {
      retryAfterSeconds,
    });
  }
}
export class RateLimited extends OtplineError {
  constructor(retryAfterSeconds: number, message = 'Too many requests. Please try again later.') {
    super('rate_limited', message, { retryAfterSeconds });
  }
}
/** The destination's country is not in the allowlist (or is denied). */
export class CountryNotAllowed extends OtplineError {
  constructor(parameter: 'phone_number' | 'recipient') {
    super('country_not_allowed', 'SMS to this country are not allowed', { parameter });
  }
}
/** A CAPTCHA is required here: missing, or the provider did not confirm it. */
export class CaptchaFailed extends OtplineError {
  constructor(missing: boolean) {
    super(
      missing ? 'captcha_required' : 'captcha_invalid',
      missing ? 'A CAPTCHA is required: send its token as "captcha"' : 'The CAPTCHA was not solved',
    );
  }
}
/** The SMS could not be sent; `message` is Auth0's fixed text, `detail` the real reason. */
export class SmsNotSent extends OtplineError {
  constructor(message: string, detail: string) {
    super('sms_not_sent', message, { detail });
  }
}
