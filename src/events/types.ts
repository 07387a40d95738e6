/**
 * Security log event types. Where Auth0 has a code for the event, otpline uses it, so log tooling
 * written for Auth0 reads otpline's logs; otpline's own events start with `otpline_`.
 */
export const EVENT_TYPES = {
  /** Auth0 `cls`: a passwordless code was sent. */
  codeSent: 'cls',
  /** Auth0 `s`: a successful login. */
  login: 's',
  /** Auth0 `ss`: a user signed up (first login of a phone). */
  signup: 'ss',
  /** Auth0 `fp`: a wrong code ("incorrect password"). */
  wrongCode: 'fp',
  /** Auth0 `f`: a failed login for another reason (signups disabled). */
  failedLogin: 'f',
  /** Auth0 `limit_wc`: a phone blocked after too many failed logins. */
  blockedAccount: 'limit_wc',
  /** Auth0 `limit_mu`: an IP throttled for too many requests (suspicious IP throttling). */
  blockedIp: 'limit_mu',
  /** Auth0 `fn`: a message could not be sent. */
  sendFailed: 'fn',
  /** Auth0 `ublkdu`: a block lifted (`DELETE /api/v2/user-blocks`). */
  blockLifted: 'ublkdu',
  /** otpline: a destination country not allowed. */
  geoBlocked: 'otpline_geo_blocked',
  /** otpline: too many codes to one number range or country. */
  velocityLimited: 'otpline_velocity_limited',
  /** otpline: a number range or country throttled because few of its codes are ever used (SMS pumping). */
  conversionThrottled: 'otpline_conversion_throttled',
  /** otpline: the hourly or daily message budget is spent. */
  budgetExhausted: 'otpline_budget_exhausted',
  /** otpline: a CAPTCHA was required and missing or wrong. */
  captchaFailed: 'otpline_captcha_failed',
  /** otpline: one IP asked codes for too many different phones (enumeration). */
  tooManyPhones: 'otpline_phones_per_ip',
  /** otpline: a test number got its fixed code (no SMS). */
  testNumber: 'otpline_test_number',
  /** otpline: too many codes for one phone. */
  phoneLimited: 'otpline_phone_limited',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** What one event says; everything but `type` and `description` is optional. */
export interface SecurityEvent {
  type: EventType;
  description: string;
  clientId?: string;
  clientName?: string;
  connectionId?: string;
  connection?: string;
  ip?: string;
  userAgent?: string;
  phone?: string;
  userId?: string;
  /** The rule that refused or blocked (`geo`, `velocity.prefix.minute`, ...). */
  rule?: string;
  details?: Record<string, unknown>;
}
