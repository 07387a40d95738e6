import type { Logger } from 'pino';
import { driverSettings } from '../config/provider-settings.js';
import { usedDriverNames } from '../config/routing.js';
import type { Config } from '../config/schema.js';
import { normalizePhone } from '../phone/normalize.js';
import { createProviders, DEFAULT_DRIVER, drivers } from '../providers/registry.js';

/** `otpline providers list`: the configured providers, their settings (secrets only as "set") and routes. */
export function providersList(config: Config): string {
  const lines: string[] = ['Providers:'];
  for (const name of usedDriverNames(config, DEFAULT_DRIVER)) {
    const driver = drivers.find((d) => d.name === name);
    if (!driver) continue;
    const own = ((config.provider as Record<string, unknown>)[name] ?? {}) as Record<string, unknown>;
    const role = name === config.provider.name ? ' (default)' : '';
    lines.push(`  ${name}${role}: ${driver.metadata.displayName}`);
    for (const s of driverSettings(driver)) {
      const value = own[s.key];
      if (value === undefined) continue;
      lines.push(`    ${s.env.padEnd(36)} ${s.secret ? '(set)' : JSON.stringify(value)}`);
    }
    if (driver.metadata.receipts)
      lines.push(
        `    receipts: ${new URL(`gateway/receipts/${name}`, config.issuer)} (${driver.metadata.receipts})`,
      );
  }
  lines.push('', 'Routes (the first match wins; others go to the default provider):');
  if (config.routing.routes.length === 0) lines.push('  (none)');
  for (const route of config.routing.routes) {
    const match = [...(route.countries ?? []), ...(route.prefixes ?? [])].join(', ') || '(nothing)';
    const chain = route.providers
      .map((p) => (typeof p === 'string' ? p : `${p.name}×${p.weight}`))
      .join(' → ');
    lines.push(`  ${match}: ${chain}`);
  }
  lines.push(
    '',
    `Failover after ${config.routing.failoverAfter} transient failures in a row; a provider-wide fault takes a provider out for ${config.routing.providerDownSeconds} s.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `otpline providers test <name> --to <phone>`: sends one message through that provider, as the
 * worker would, and prints what the provider answered. Exit code 0 when it was accepted.
 */
export async function providersTest(
  config: Config,
  name: string,
  to: string | undefined,
  text: string | undefined,
  logger: Logger,
  out: (line: string) => void,
): Promise<number> {
  const phone = normalizePhone(to ?? '');
  if (!phone.ok) {
    out(`--to must be a phone number in E.164 form (+14155552671): ${phone.reason}\n`);
    return 2;
  }
  if (!drivers.some((d) => d.name === name)) {
    out(`no provider is named "${name}"; the providers are ${drivers.map((d) => d.name).join(', ')}\n`);
    return 2;
  }
  // Configure exactly this provider, as the default, with the settings given for it.
  const only = {
    ...config,
    provider: { ...config.provider, name },
    routing: { ...config.routing, routes: [] },
  };
  const providers = createProviders(only, { logger, stdout: process.stdout });
  const provider = providers.get(name);
  if (!provider) return 1;
  await providers.start();
  try {
    const id = `msg_test_${Date.now()}`;
    const result = await provider.send(
      {
        id,
        to: phone.e164,
        from: null,
        body: text ?? `otpline test message (${new Date().toISOString()})`,
        idempotencyKey: id,
        country: phone.country ?? null,
      },
      AbortSignal.timeout(60_000),
    );
    out(`${JSON.stringify({ provider: name, to: phone.e164, ...result }, null, 2)}\n`);
    return result.outcome === 'accepted' ? 0 : 1;
  } finally {
    await providers.stop();
  }
}
