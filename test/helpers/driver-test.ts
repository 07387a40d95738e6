import { createLogger } from '../../src/observability/logger.js';
import type { DriverContext } from '../../src/providers/driver.js';
import type { OutgoingSms } from '../../src/providers/types.js';

/** What the server hands a driver, quiet, with the receipt URL a driver's test chooses. */
export function driverContext(receiptUrl?: string): DriverContext {
  return { logger: createLogger('silent'), stdout: { write: () => true }, receiptUrl };
}

/** A message as the worker hands it to a driver. */
export function testSms(over: Partial<OutgoingSms> = {}): OutgoingSms {
  return {
    id: 'msg_1',
    to: '+14155552671',
    from: null,
    body: 'Your code is 123456',
    country: 'US',
    idempotencyKey: 'idem-1',
    ...over,
  };
}
