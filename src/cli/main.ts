#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SigningKeys } from '../auth/signing-keys.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { startServer } from '../server.js';
import { migrate, openDatabase, pendingMigrations, SchemaTooNew } from '../store/database.js';
import { Stores } from '../store/index.js';
import { helpText } from './help.js';
import { providersList, providersTest } from './providers.js';

const HELP = helpText();

function flagsToOverrides(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port)) throw new ConfigError(`--port must be a whole number, got "${values.port}"`);
    overrides.port = port;
  }
  if (values.host !== undefined) overrides.host = values.host;
  if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir'];
  if (values['database-url'] !== undefined) overrides.database = { url: values['database-url'] };
  if (values.issuer !== undefined) overrides.issuer = values.issuer;
  if (values.provider !== undefined) overrides.provider = { name: values.provider };
  if (values['log-level'] !== undefined) overrides.logLevel = values['log-level'];
  if (values['log-format'] !== undefined) overrides.logFormat = values['log-format'];
  return overrides;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'dry-run': { type: 'boolean' },
      issuer: { type: 'string' },
      config: { type: 'string' },
      provider: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadConfig({ configPath: values.config, overrides: flagsToOverrides(values) });
  if (command === 'migrate') {
    const { db, dialect } = openDatabase(config);
    try {
      const where = dialect === 'postgres' ? 'PostgreSQL' : `SQLite (${config.dataDir})`;
      if (values['dry-run']) {
        const pending = await pendingMigrations(db);
        process.stdout.write(
          pending.length
            ? `would run on ${where}:\n${pending.map((name) => `  ${name}\n`).join('')}`
            : `${where} is up to date: nothing to run\n`,
        );
        return 0;
      }
      const ran = await migrate(db);
      process.stdout.write(
        ran.length
          ? `ran on ${where}:\n${ran.map((name) => `  ${name}\n`).join('')}`
          : `${where} is up to date: nothing to run\n`,
      );
      return 0;
    } finally {
      await db.destroy();
    }
  }
  if (command === 'keys' && positionals[1] === 'rotate') {
    const { db, dialect } = openDatabase(config);
    await migrate(db);
    const stores = new Stores(db, dialect);
    const kid = await new SigningKeys(stores.keys).rotate(Date.now());
    await stores.close();
    process.stdout.write(
      `new signing key ${kid}; running nodes pick it up within a minute, old keys stay in the JWKS\n`,
    );
    return 0;
  }
  if (command === 'providers' && positionals[1] === 'list') {
    process.stdout.write(providersList(config));
    return 0;
  }
  if (command === 'providers' && positionals[1] === 'test') {
    const logger = createLogger(config.logLevel, undefined, config.logFormat);
    const write = (line: string) => process.stdout.write(line);
    return providersTest(config, positionals[2] ?? '', values.to, values.text, logger, write);
  }
  if (command !== 'start') {
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const server = await startServer(config, { logger });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (
      err instanceof ConfigError ||
      err instanceof SchemaTooNew ||
      (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      process.stderr.write(`otpline: ${(err as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`otpline: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
