import Type from 'typebox';
import type { App } from '../http/app-type.js';
import { InvalidBody } from '../http/errors.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import { LATENCY_BOUNDS_MS } from '../store/stats.js';
import { type ManagementAuthDeps, requireScope } from './auth.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const MAX_BUCKETS = 24 * 93;

const StatsQuery = Type.Object({
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'Default: 24 hours (or 30 days) ago' }),
  ),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
});

const Count = Type.Integer({ minimum: 0 });
const Outcome = Type.Object({
  sent: Count,
  delivered: Count,
  failed: Count,
});

const StatsReply = Type.Object({
  from: Type.String(),
  to: Type.String(),
  interval: Type.String(),
  series: Type.Array(
    Type.Object({
      start: Type.String({ description: 'Start of the bucket (UTC)' }),
      codes_sent: Count,
      logins: Count,
      conversion: Type.Union([Type.Number(), Type.Null()], { description: 'logins / codes_sent' }),
    }),
  ),
  by_country: Type.Array(
    Type.Object({
      country: Type.Union([Type.String(), Type.Null()]),
      ...Outcome.properties,
      logins: Count,
      conversion: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  by_provider: Type.Array(
    Type.Object({ provider: Type.Union([Type.String(), Type.Null()]), ...Outcome.properties }),
  ),
  latency: Type.Object({
    bounds_ms: Type.Array(Type.Integer(), {
      description: 'Upper bound of each bucket; the last one is open',
    }),
    accepted: Type.Array(Count, { description: 'Until a provider accepted the message' }),
    delivered: Type.Array(Count, { description: 'Until the delivery receipt' }),
  }),
});

/** The country of a phone prefix ("+1416555"): padded to full numbers until one parses with a country. */
export function countryOfPrefix(prefix: string): string | null {
  for (const length of [12, 13, 11, 14, 10, 15, 9]) {
    const phone = normalizePhone(prefix.padEnd(length, '0'));
    if (phone.ok && phone.country) return phone.country;
  }
  return null;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

/**
 * `GET /api/v2/stats/sms`: codes sent, logins and their ratio over time, by country and by
 * provider, and how long delivery takes. Computed from the messages (kept for
 * outbox.retentionDays) and the security log (logs.retentionDays) with GROUP BY queries.
 */
export function statsRoutes(
  app: App,
  services: ManagementAuthDeps & Pick<Services, 'stores' | 'clock'>,
): void {
  app.get(
    '/api/v2/stats/sms',
    {
      schema: {
        tags: ['Management API: stats'],
        summary: 'SMS login statistics: codes sent, logins, conversion, by country and provider, latency',
        querystring: StatsQuery,
        response: { 200: StatsReply },
      },
      onRequest: requireScope(services, 'read:stats'),
    },
    async (request) => {
      const q = request.query;
      const size = q.interval === 'day' ? DAY : HOUR;
      const now = services.clock.now();
      const to = q.to ? Date.parse(q.to) : now;
      const from = q.from ? Date.parse(q.from) : to - (q.interval === 'day' ? 30 * DAY : DAY);
      if (!(from < to)) throw new InvalidBody('from must be before to');
      const start = Math.floor(from / size) * size;
      const end = Math.ceil(to / size) * size;
      if ((end - start) / size > MAX_BUCKETS) throw new InvalidBody(`At most ${MAX_BUCKETS} ${q.interval}s`);
      const range = { from: start, to: end };
      const { stats } = services.stores;
      const [sent, logins, prefixes, countries, providers, latency] = await Promise.all([
        stats.codesSent(range, size),
        stats.logins(range, size),
        stats.loginsByPrefix(range),
        stats.outcomes(range, 'country'),
        stats.outcomes(range, 'provider'),
        stats.latency(range),
      ]);
      const series = [];
      for (let at = start; at < end; at += size) {
        const s = sent.get(at) ?? 0;
        const l = logins.get(at) ?? 0;
        series.push({ start: new Date(at).toISOString(), codes_sent: s, logins: l, conversion: ratio(l, s) });
      }
      const loginsByCountry = new Map<string | null, number>();
      for (const { prefix, count } of prefixes) {
        const country = countryOfPrefix(prefix);
        loginsByCountry.set(country, (loginsByCountry.get(country) ?? 0) + count);
      }
      return {
        from: new Date(start).toISOString(),
        to: new Date(end).toISOString(),
        interval: q.interval,
        series,
        by_country: countries.map(({ key, ...outcome }) => {
          const l = loginsByCountry.get(key) ?? 0;
          return { country: key, ...outcome, logins: l, conversion: ratio(l, outcome.sent) };
        }),
        by_provider: providers.map(({ key, ...outcome }) => ({ provider: key, ...outcome })),
        latency: { bounds_ms: [...LATENCY_BOUNDS_MS], ...latency },
      };
    },
  );
}
