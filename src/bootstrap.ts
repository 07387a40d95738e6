import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { managementAudience } from './auth/tokens.js';
import type { Config } from './config/schema.js';
import { gatewaySecretKey } from './gateway/gateway-client.js';
import { newClient } from './management/clients.js';
import type { Secrets } from './services.js';
import { GRANT_CLIENT_CREDENTIALS } from './store/clients.js';
import { isUniqueViolation } from './store/database.js';
import type { Stores } from './store/index.js';
import type { Clock } from './util/clock.js';
import { newSecret } from './util/ids.js';

/** Writes a file only its owner can read; the log names the path, never the content. */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Server secrets: generated on first start and kept in the database, so all nodes share them. */
export async function loadSecrets(stores: Stores, config: Config, logger: Logger): Promise<Secrets> {
  const codeKey = await stores.settings.getOrCreate('code_hmac_key', newSecret);
  const audience = config.gateway.audience ?? new URL('gateway/sms', config.issuer).toString();
  let gatewaySecret = config.gateway.secret;
  let base64 = config.gateway.secretBase64Encoded;
  if (!gatewaySecret) {
    const stored = await stores.settings.getOrCreate('gateway_secret', newSecret);
    gatewaySecret = stored.value;
    base64 = false;
    const file = join(config.dataDir, 'gateway-credentials.json');
    if (stored.created) {
      writePrivateFile(
        file,
        `${JSON.stringify({ secret: gatewaySecret, audience, algorithm: 'HS256' }, null, 2)}\n`,
      );
      logger.warn(
        { file },
        'generated a gateway secret; callers of /gateway/sms sign their bearer JWTs with it (see the file)',
      );
    }
  }
  return {
    codeHmacKey: Buffer.from(codeKey.value, 'utf8'),
    gatewayKey: gatewaySecretKey(gatewaySecret, base64),
    gatewayAudience: audience,
  };
}

/**
 * The management client: taken from OTPLINE_ADMIN_CLIENT_ID/_SECRET when set (created or
 * updated), otherwise generated once and written to a 0600 file in the data directory.
 */
export async function ensureAdminClient(
  stores: Stores,
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const { clients } = stores;
  const now = clock.now();
  const { clientId, clientSecret } = config.admin;
  const admin = {
    app_type: 'non_interactive' as const,
    token_endpoint_auth_method: 'client_secret_post' as const,
    grant_types: [GRANT_CLIENT_CREDENTIALS],
    is_management: true,
  };
  if (clientId && clientSecret) {
    const existing = await clients.get(clientId);
    if (!existing) {
      const inserted = await clients
        .insert(
          newClient({ name: 'otpline admin' }, now, {
            ...admin,
            client_id: clientId,
            client_secret: clientSecret,
          }),
        )
        .then(
          () => true,
          (err: unknown) => {
            // Another node starting at the same moment inserted it first: update that one.
            if (isUniqueViolation(err)) return false;
            throw err;
          },
        );
      if (inserted) return;
    }
    const current = existing ?? (await clients.get(clientId));
    if (current) await clients.update({ ...current, ...admin, client_secret: clientSecret, updated_at: now });
    return;
  }
  if (await clients.hasManagementClient()) return;
  const client = newClient({ name: 'otpline admin' }, now, admin);
  await clients.insert(client);
  const file = join(config.dataDir, 'admin-credentials.json');
  writePrivateFile(
    file,
    `${JSON.stringify(
      {
        client_id: client.client_id,
        client_secret: client.client_secret,
        audience: managementAudience(config.issuer),
        token_endpoint: new URL('oauth/token', config.issuer).toString(),
      },
      null,
      2,
    )}\n`,
  );
  logger.warn({ file }, 'generated a management client; its credentials are in the file');
}
