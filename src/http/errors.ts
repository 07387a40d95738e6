/**
 * The wire shapes of errors. Authentication API errors render as Auth0's `{error, error_description}`;
 * Management API errors as `{statusCode, error, message, errorCode}`. The logic's failures are the
 * closed set in src/errors.ts, which src/http/wire-errors.ts renders into these per endpoint.
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

export class InvalidRequest extends AuthError {
  constructor(description: string) {
    super(400, 'invalid_request', description);
  }
}
/** `/passwordless/start` parameter errors: `bad.client_id`, `bad.connection`, `bad.phone_number`, ... */
export class BadParameter extends AuthError {
  constructor(parameter: string, description: string) {
    super(400, `bad.${parameter}`, description);
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
