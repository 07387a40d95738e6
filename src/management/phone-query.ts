import { normalizePhone } from '../phone/normalize.js';

/**
 * A phone number given in a query string, in E.164, or undefined when it is not one. An
 * unencoded `+` arrives as a space (`?identifier=+1415...` from a shell), so a leading space
 * before digits is read as the `+` it was.
 */
export function phoneFromQuery(value: string): string | undefined {
  const restored = /^ \d/.test(value) ? `+${value.slice(1)}` : value;
  const phone = normalizePhone(restored.trim());
  return phone.ok ? phone.e164 : undefined;
}
