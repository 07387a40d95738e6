import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ensureDashboard } from './admin/built-ins.js';
import { announceSetupLink } from './admin/setup-link.js';
import { SigningKeys } from './auth/signing-keys.js';
import { ensureAdminClient, loadSecrets, prepareDataDir } from './bootstrap.js';
import type { Config } from './config/schema.js';
import { buildApp } from './http/app.js';
import { createLogger } from './observability/logger.js';
import type { Driver } from './providers/driver.js';
import type { ProviderSet } from './providers/provider-set.js';
import type { SmsProvider } from './providers/types.js';
import { buildServices, type Services } from './services.js';
import { migrate, openDatabase } from './store/database.js';
import { Stores } from './store/index.js';
import { ClusterWakeup } from './store/postgres/wakeup.js';
import { type Clock, systemClock } from './util/clock.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  /** The address it listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  provider?: SmsProvider;
  /** Provider drivers instead of the ones otpline ships (a test's own driver added). */
  drivers?: readonly Driver[];
  /** Do not start the outbox worker (tests that drive it by hand). */
  noWorker?: boolean;
  /** Where the first start's setup link is printed besides the log (standard error by default). */
  setupLinkOut?: Pick<NodeJS.WriteStream, 'write'>;
}

const HOUSEKEEPING_MS = 5 * 60_000;

const DAY = 86_400_000;

/**
 * Deletes what nothing reads any more: security events and finished messages past their retention,
 * abuse state no rule reads, expired codes (kept a day, for support questions), the hosted login's
 * expired authorization codes, sessions and refresh tokens, rate-limit windows
 * and failure counts older than a week (the longest window is a day). In batches: no stall.
 */
export async function cleanUp(services: Services, config: Config, clock: Clock): Promise<void> {
  const now = clock.now();
  const { events, retention } = services.stores;
  await events.prune(now - config.logs.retentionDays * DAY);
  await services.abuse.prune();
  await retention.pruneCodes(now - DAY);
  await retention.pruneWebLogins(now);
  await retention.pruneMessages(now - config.outbox.retentionDays * DAY);
  await retention.pruneRateCounters(now - 7 * DAY);
  await retention.prunePhoneFailures(now - 7 * DAY, now);
}

/** Opens the database, prepares secrets and keys, and serves HTTP(S). */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  prepareDataDir(config.dataDir);
  const { db, dialect, pool, durability } = openDatabase(config);
  const stores = new Stores(db, dialect, durability);
  let started: ProviderSet | undefined;
  let wakeup: ClusterWakeup | undefined;
  try {
    await migrate(db);
    const secrets = await loadSecrets(stores, config, logger);
    const keys = new SigningKeys(stores.keys);
    await keys.load(clock.now());
    await ensureAdminClient(stores, config, clock, logger);
    await ensureDashboard(stores, config, clock, logger);
    const services = buildServices({
      config,
      stores,
      clock,
      logger,
      secrets,
      keys,
      provider: options.provider,
      drivers: options.drivers,
    });
    if (pool) {
      wakeup = new ClusterWakeup(pool, () => services.outbox.wake(), logger.child({ component: 'wakeup' }));
      services.outbox.broadcastWith(() => wakeup?.notify());
      await wakeup.start();
    }
    await announceSetupLink(services.operators, logger, options.setupLinkOut);
    await services.providers.start();
    started = services.providers;
    if (services.provider.name === 'console') {
      logger.warn(
        'the console provider prints messages (codes included) to standard output: for development only',
      );
    }
    if (config.abuse.allowedCountries.length === 0) {
      logger.warn(
        'no allowed countries are configured: codes may be sent to any country not denied. Set OTPLINE_ALLOWED_COUNTRIES (e.g. US,CA,GB) to protect your SMS bill from pumping (docs/security.md)',
      );
    }
    if (config.abuse.testNumbers.length > 0) {
      logger.warn(
        { count: config.abuse.testNumbers.length },
        'test numbers are configured: their fixed codes log in without an SMS',
      );
    }
    const https = config.tls
      ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }
      : undefined;
    const app = await buildApp(services, { https });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    if (config.port === 0) config.port = port;
    if (!options.noWorker) services.worker.start();
    // Keys rotated elsewhere (another node, `otpline keys rotate`) are picked up within a minute.
    const keyRefresh = setInterval(() => {
      keys.load(clock.now()).catch((err: unknown) => logger.error({ err }, 'reloading signing keys failed'));
    }, 60_000);
    keyRefresh.unref();
    // Old security events and abuse counters are forgotten every few minutes, on any node.
    const housekeeping = setInterval(() => {
      cleanUp(services, config, clock).catch((err: unknown) =>
        logger.error({ err }, 'pruning old rows failed'),
      );
    }, HOUSEKEEPING_MS);
    housekeeping.unref();
    const url = `${https ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, issuer: config.issuer, database: dialect }, 'otpline is ready');
    return {
      app,
      services,
      url,
      async close() {
        clearInterval(keyRefresh);
        clearInterval(housekeeping);
        await app.close();
        await services.worker.stop();
        await services.providers.stop();
        await services.abuse.close();
        await wakeup?.stop();
        await stores.close();
      },
    };
  } catch (err) {
    await started?.stop();
    await wakeup?.stop();
    await stores.close();
    throw err;
  }
}
