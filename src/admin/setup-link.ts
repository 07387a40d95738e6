import type { Logger } from 'pino';
import type { Operators } from './operators.js';

/**
 * With no operator yet (none configured, none added), makes the one-time setup link and shows it,
 * in the log and on standard error, once: only its hash is kept, so it is never shown again.
 */
export async function announceSetupLink(
  operators: Operators,
  logger: Logger,
  stderr: Pick<NodeJS.WriteStream, 'write'> = process.stderr,
): Promise<void> {
  const link = await operators.createSetupLink();
  if (!link) return;
  const until = new Date(link.expiresAt).toISOString();
  logger.warn(
    { setupLink: link.url, expiresAt: until },
    'no dashboard operator yet: open the setup link and sign in by SMS to become the first (it works once)',
  );
  stderr.write(
    `\notpline: no dashboard operator yet. Open this link once, before ${until}, and sign in by SMS:\n  ${link.url}\n\n`,
  );
}
