import pino, { type Logger } from 'pino';
import { prettyDestination } from './pretty.js';

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

export type LogFormat = 'auto' | 'pretty' | 'json';

/** The little of a logger that logic needs, so it takes a request's logger or the server's alike. */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** JSON lines for machines; readable lines when a person watches (standard output is a terminal). */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const write = (line: string) => (destination ? destination.write(line) : process.stdout.write(line));
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'otpline' } },
    pretty ? prettyDestination(write) : destination,
  );
}
