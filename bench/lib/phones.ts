/** US area codes in use: with prefixDigits 7 each (area, exchange) pair is a number range of its own. */
const AREAS = [201, 202, 212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 713, 720, 808, 917, 971];

/**
 * Distinct, well-formed phone numbers spread over many ranges (area code and exchange), the same
 * sequence for every server so that each does the same work: a new user per login.
 */
export function phoneSequence(): () => string {
  let i = 0;
  return () => {
    const n = i++;
    const area = AREAS[n % AREAS.length] ?? 201;
    const exchange = 200 + (Math.floor(n / AREAS.length) % 700);
    const line = Math.floor(n / (AREAS.length * 700)) % 10_000;
    return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
  };
}
