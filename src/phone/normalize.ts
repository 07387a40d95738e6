import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string; country: string | undefined }
  | { ok: false; reason: string };

const E164_PATTERN = '^\\+[0-9]{1,15}$';
const SEPARATORS = /[\s().-]/g;

/**
 * Normalizes a phone number to E.164. Spaces, dots, dashes and parentheses are dropped; the
 * number must then be international (`+` and country code) and of a length that country's
 * numbering plan allows. Numbers that are possible but not (yet) assigned are accepted, as
 * Auth0 accepts them; the country drives routing and geo permissions.
 */
export function normalizePhone(input: string): PhoneResult {
  const compact = input.replace(SEPARATORS, '');
  // A login normalizes its number twice (start, then the code's check): parsing against the full
  // metadata costs tens of µs, so recent answers are kept (frozen: callers share them).
  const known = recent.get(compact);
  if (known) return known;
  const result = Object.freeze(parse(compact));
  if (compact.length <= 16) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(compact, result);
  }
  return result;
}

/** About 0.5 MB at most; only inputs as long as an E.164 number are kept. */
const RECENT_MAX = 4096;
const recent = new Map<string, PhoneResult>();

function parse(compact: string): PhoneResult {
  if (!new RegExp(E164_PATTERN).test(compact)) {
    return { ok: false, reason: `String does not match pattern: ${E164_PATTERN}` };
  }
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed?.isPossible()) {
    return { ok: false, reason: `The phone number ${compact} is not a possible phone number` };
  }
  // An unassigned number has no country of its own; its calling code's main country (listed first)
  // still routes it and decides geo permissions: +44 7700 900… is British, +1 222… American.
  return { ok: true, e164: parsed.number, country: parsed.country ?? parsed.getPossibleCountries()[0] };
}
