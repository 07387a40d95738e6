import type { Logger } from 'pino';
import { AbuseGuard } from './abuse/abuse-guard.js';
import { AttackProtection } from './abuse/attack-protection.js';
import { CaptchaVerifier } from './abuse/captcha.js';
import { Operators } from './admin/operators.js';
import type { SigningKeys } from './auth/signing-keys.js';
import { TokenService } from './auth/tokens.js';
import type { Config } from './config/schema.js';
import { SecurityLog } from './events/security-log.js';
import { MessageChains } from './gateway/message-chains.js';
import { Outbox } from './gateway/outbox.js';
import { OutboxWorker } from './gateway/outbox-worker.js';
import { applyReceipts } from './gateway/receipts.js';
import { Router } from './gateway/routing.js';
import { BruteForceGuard } from './otp/brute-force.js';
import { OtpCodes } from './otp/codes.js';
import { RateLimiter } from './otp/rate-limiter.js';
import type { Driver } from './providers/driver.js';
import type { ProviderSet } from './providers/provider-set.js';
import { createProviders } from './providers/registry.js';
import type { SmsProvider } from './providers/types.js';
import type { ClientStore } from './store/clients.js';
import type { ConnectionStore } from './store/connections.js';
import type { Stores } from './store/index.js';
import type { UserStore } from './store/users.js';
import type { Clock } from './util/clock.js';

export interface Secrets {
  codeHmacKey: Buffer;
  /** The HS256 key inbound gateway JWTs must be signed with. */
  gatewayKey: Uint8Array;
  gatewayAudience: string;
}

/** Everything the server is made of, built once and wired in one place. */
export interface Services {
  config: Config;
  stores: Stores;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  keys: SigningKeys;
  tokens: TokenService;
  clients: ClientStore;
  connections: ConnectionStore;
  users: UserStore;
  codes: OtpCodes;
  bruteForce: BruteForceGuard;
  rateLimiter: RateLimiter;
  outbox: Outbox;
  /** The security log behind `GET /api/v2/logs`. */
  security: SecurityLog;
  /** Auth0's attack-protection settings, which drive the brute-force and per-IP limits. */
  attackProtection: AttackProtection;
  /** The rules against SMS pumping, flooding and enumeration. */
  abuse: AbuseGuard;
  /** Every provider messages go through, by name. */
  providers: ProviderSet;
  /** The provider of messages no route matches. */
  provider: SmsProvider;
  worker: OutboxWorker;
  /** Who may sign in to the dashboard (/admin). */
  operators: Operators;
}

export function buildServices(input: {
  config: Config;
  stores: Stores;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  keys: SigningKeys;
  /** Used in place of the configured default provider (tests). */
  provider?: SmsProvider;
  /** Provider drivers instead of the ones otpline ships (a test's own driver added). */
  drivers?: readonly Driver[];
}): Services {
  const { config, stores, clock, logger } = input;
  const outbox = new Outbox(stores, clock);
  const context = {
    logger: logger.child({ component: 'provider' }),
    stdout: process.stdout,
    receiptUrl: new URL('gateway/receipts', config.issuer).toString(),
  };
  const providers = createProviders(config, context, input.drivers, input.provider);
  const provider = providers.get(providers.defaultName) as SmsProvider;
  const router = new Router(config.routing.routes, providers.defaultName);
  // Receipts a provider pushes on its own connection (SMPP deliver_sm), applied like the route's.
  const receiptLog = logger.child({ component: 'receipts' });
  for (const name of providers.names()) {
    providers.get(name)?.onReceipts?.((receipts) => {
      applyReceipts({ outbox }, name, receipts, receiptLog).catch((err: unknown) =>
        receiptLog.error({ err, provider: name }, 'applying delivery receipts failed'),
      );
    });
  }
  const worker = new OutboxWorker(
    outbox,
    providers,
    new MessageChains(stores.connections, router, providers, twilioDefaults(config), context),
    stores.providerHealth,
    clock,
    {
      ...config.outbox,
      failoverAfter: config.routing.failoverAfter,
      providerDownMs: config.routing.providerDownSeconds * 1000,
      // One process per SQLite file: the leases found at start were left by one that died.
      soleWorker: stores.dialect === 'sqlite',
    },
    logger.child({ component: 'outbox' }),
  );
  const security = new SecurityLog(stores.events, clock, logger.child({ component: 'security-log' }));
  const attackProtection = new AttackProtection(stores.settings, config, clock);
  const rateLimiter = new RateLimiter(stores.counters, clock);
  const { captcha } = config.abuse;
  const abuse = new AbuseGuard(
    config.abuse,
    stores.abuse,
    rateLimiter,
    attackProtection,
    security,
    clock,
    captcha.provider !== 'none' && captcha.secret
      ? new CaptchaVerifier({
          provider: captcha.provider,
          secret: captcha.secret,
          verifyUrl: captcha.verifyUrl,
        })
      : undefined,
  );
  return {
    ...input,
    security,
    attackProtection,
    abuse,
    providers,
    provider,
    tokens: new TokenService(config.issuer, input.keys, clock),
    clients: stores.clients,
    connections: stores.connections,
    users: stores.users,
    codes: new OtpCodes(stores, clock, input.secrets.codeHmacKey, config.limits.attemptsPerCode),
    bruteForce: new BruteForceGuard(stores.counters, clock, config.limits, attackProtection),
    rateLimiter,
    outbox,
    worker,
    operators: new Operators(config, stores, clock),
  };
}

/** The configured twilio driver's base URL and timeout, which connections' own accounts use too. */
function twilioDefaults(config: Config): { baseUrl?: string; timeoutMs?: number } {
  const twilio = (config.provider as Record<string, unknown>).twilio as
    | { baseUrl?: string; timeoutMs?: number }
    | undefined;
  return {
    ...(twilio?.baseUrl ? { baseUrl: twilio.baseUrl } : {}),
    ...(twilio?.timeoutMs ? { timeoutMs: twilio.timeoutMs } : {}),
  };
}
