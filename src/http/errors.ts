/**
 * One class per wire error. Authentication API errors render as Auth0's `{error, error_description}`;
 * Management API errors as `{statusCode, error, message, errorCode}`. A private `detail` may be
 * logged but is never sent.
 */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
  }
}

export const WRONG_CODE = 'Wrong phone number or verification code.';

export class InvalidRequest extends AuthError {
  constructor(description: string) {
    super(400, 'invalid_request', description);
  }
}
/** Auth0 answers 403 for a wrong or expired one-time code on /oauth/token. */
export class InvalidGrant extends AuthError {
  constructor(description = WRONG_CODE) {
    super(403, 'invalid_grant', description);
  }
}
export class UnauthorizedClient extends AuthError {
  constructor(description: string) {
    super(403, 'unauthorized_client', description);
  }
}
export class AccessDenied extends AuthError {
  constructor(description: string, status = 403) {
    super(status, 'access_denied', description);
  }
}
export class InvalidClient extends AuthError {
  constructor(description = 'Client authentication failed') {
    super(401, 'invalid_client', description);
  }
}
export class UnsupportedGrantType extends AuthError {
  constructor(grantType: string) {
    super(403, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
  }
}
/** `/passwordless/start` parameter errors: `bad.client_id`, `bad.connection`, `bad.phone_number`, ... */
export class BadParameter extends AuthError {
  constructor(parameter: string, description: string) {
    super(400, `bad.${parameter}`, description);
  }
}
export class SmsProviderError extends AuthError {
  constructor(description: string) {
    super(400, 'sms_provider_error', description);
  }
}
export class TooManyAttempts extends AuthError {
  constructor(retryAfterSeconds: number) {
    super(
      429,
      'too_many_attempts',
      'Your account has been blocked after multiple consecutive login attempts.',
      {
        'retry-after': String(retryAfterSeconds),
      },
    );
  }
}
export class TooManyRequests extends AuthError {
  constructor(retryAfterSeconds: number, description = 'Too many requests. Please try again later.') {
    super(429, 'too_many_requests', description, { 'retry-after': String(retryAfterSeconds) });
  }
}
export class Unauthorized extends AuthError {
  constructor(description = 'Unauthorized') {
    super(401, 'unauthorized', description);
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

export class ManagementError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
  toBody() {
    return {
      statusCode: this.status,
      error: reasonPhrase(this.status),
      message: this.message,
      errorCode: this.errorCode,
    };
  }
}

export class NotFound extends ManagementError {
  constructor(errorCode: string, message: string) {
    super(404, errorCode, message);
  }
}
export class Conflict extends ManagementError {
  constructor(errorCode: string, message: string) {
    super(409, errorCode, message);
  }
}
export class InvalidBody extends ManagementError {
  constructor(message: string) {
    super(400, 'invalid_body', `Payload validation error: '${message}'.`);
  }
}
