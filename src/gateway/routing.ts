import { createHash } from 'node:crypto';

export interface RouteConfig {
  countries?: string[];
  prefixes?: string[];
  providers: Array<string | { name: string; weight: number }>;
}

/**
 * Picks the chain of providers a message goes through: the first route matching its recipient's
 * country or number prefix, else the default provider. A route with weights spreads messages over
 * its providers (stably: the same message always gets the same chain), and every other provider of
 * the route follows in its listed order, for failover.
 */
export class Router {
  constructor(
    private readonly routes: readonly RouteConfig[],
    private readonly defaultProvider: string,
  ) {}

  chainFor(message: { id: string; recipient: string; country: string | null }): string[] {
    const route = this.routes.find(
      (r) =>
        (message.country !== null && r.countries?.includes(message.country)) ||
        r.prefixes?.some((prefix) => message.recipient.startsWith(prefix)),
    );
    if (!route) return [this.defaultProvider];
    const entries = route.providers.map((p) => (typeof p === 'string' ? { name: p, weight: 0 } : p));
    if (!entries.some((e) => e.weight > 0)) return entries.map((e) => e.name);
    const first = weightedPick(entries, message.id);
    return [first, ...entries.map((e) => e.name).filter((name) => name !== first)];
  }
}

/** A provider chosen in proportion to the weights, the same one for the same key on every node. */
function weightedPick(entries: Array<{ name: string; weight: number }>, key: string): string {
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  let point = createHash('sha256').update(key).digest().readUInt32BE(0) % total;
  for (const entry of entries) {
    if (point < entry.weight) return entry.name;
    point -= entry.weight;
  }
  return entries[0]?.name as string;
}
