import pino, { type Logger } from 'pino';

/** Paths that may hold a secret or a code: they never reach the log. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.client_secret',
  '*.otp',
  '*.password',
  '*.code',
  '*.secret',
  '*.body',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'otpline' } },
    destination,
  );
}
