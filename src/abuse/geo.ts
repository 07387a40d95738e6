/** Allowed and denied destination countries, globally (config) or for one connection (its options). */
export interface CountryRules {
  allowed: readonly string[];
  denied: readonly string[];
}

/**
 * Whether codes may go to `country`: it passes the global rules and the connection's own, so a
 * connection can narrow what the operator allows, never widen it. With no allowlist every country
 * not denied is allowed (otpline warns at start); a number whose country is unknown is refused
 * wherever an allowlist exists.
 */
export function countryAllowed(
  country: string | null,
  global: CountryRules,
  own?: Partial<CountryRules>,
): boolean {
  return (
    passes(country, global) && passes(country, { allowed: own?.allowed ?? [], denied: own?.denied ?? [] })
  );
}

function passes(country: string | null, rules: CountryRules): boolean {
  if (country && rules.denied.includes(country)) return false;
  if (rules.allowed.length === 0) return true;
  return country !== null && rules.allowed.includes(country);
}

/** The number range a phone belongs to: its first `digits` digits (country code included). */
export function numberRange(e164: string, digits: number): string {
  return e164.slice(0, digits + 1);
}
