import type { DriverMetadata } from '../driver.js';

export const metadata: DriverMetadata = {
  displayName: 'Console',
  summary: 'prints them (development)',
  description:
    'Prints each message, code included, to standard output, where a developer reads it. For development only.',
  example: 'OTPLINE_PROVIDER=console (the default)',
};
