import Type from 'typebox';
import type { Driver } from '../providers/driver.js';

/**
 * `routing`: which providers carry which messages. Routes are tried in order and the first that
 * matches the recipient (its country, or a prefix of its E.164 number) gives the chain of providers
 * a message goes through: the first (or one picked by weight), then the next ones in turn when it
 * keeps failing. A message no route matches goes through `provider.name` alone.
 */
export function routingSchema(drivers: readonly Driver[]) {
  const name = Type.Union(drivers.map((d) => Type.Literal(d.name)));
  return Type.Object(
    {
      routes: Type.Array(
        Type.Object(
          {
            countries: Type.Optional(
              Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { description: 'ISO 3166 alpha-2 codes' }),
            ),
            prefixes: Type.Optional(
              Type.Array(Type.String({ pattern: '^\\+[0-9]{1,15}$' }), {
                description: 'E.164 prefixes, e.g. +4477',
              }),
            ),
            providers: Type.Array(
              Type.Union([name, Type.Object({ name, weight: Type.Integer({ minimum: 1, maximum: 1000 }) })]),
              { minItems: 1, maxItems: 10 },
            ),
          },
          { additionalProperties: false },
        ),
        {
          default: [],
          maxItems: 500,
          description:
            'Ordered routes {countries?, prefixes?, providers: [a name, or {name, weight}]}: the first match gives the provider chain (config file)',
        },
      ),
      failoverAfter: Type.Integer({
        minimum: 1,
        default: 2,
        description:
          'Transient failures in a row on one provider before a message moves to the next of its route',
      }),
      providerDownSeconds: Type.Integer({
        minimum: 1,
        default: 300,
        description:
          'How long a provider-wide fault (bad credentials, suspended account) takes a provider out of rotation',
      }),
    },
    { default: {} },
  );
}

/** The drivers a configuration uses: the default provider and every one a route names. */
export function usedDriverNames(tree: { provider?: unknown; routing?: unknown }, fallback: string): string[] {
  const provider = (tree.provider ?? {}) as { name?: unknown };
  const routing = (tree.routing ?? {}) as { routes?: unknown };
  const names = new Set<string>([typeof provider.name === 'string' ? provider.name : fallback]);
  if (Array.isArray(routing.routes)) {
    for (const route of routing.routes as Array<{ providers?: unknown }>) {
      if (!Array.isArray(route?.providers)) continue;
      for (const entry of route.providers as unknown[]) {
        const entryName = typeof entry === 'string' ? entry : (entry as { name?: unknown })?.name;
        if (typeof entryName === 'string') names.add(entryName);
      }
    }
  }
  return [...names];
}
