import { driverSettings } from '../config/provider-settings.js';
import type { Driver } from '../providers/driver.js';
import { DEFAULT_DRIVER, drivers as defaultDrivers } from '../providers/registry.js';

const USAGE = `otpline: passwordless SMS login server and SMS gateway

Usage:
  otpline start [options]     run the server (creates the data directory and database on first start)
  otpline migrate [options]   apply database migrations and exit (--dry-run: print what would run)
  otpline keys rotate         make a new token signing key (earlier keys stay published)
  otpline providers list      the configured providers (secrets only as "set") and routes
  otpline providers test <name> --to <phone> [--text <text>]
                              send one message through that provider and print its answer
  otpline help                this text

Options (each also has an environment variable; flags win):
  --port <n>          OTPLINE_PORT (default 3000)
  --host <addr>       OTPLINE_HOST (default 127.0.0.1)
  --data-dir <path>   OTPLINE_DATA_DIR (default ./data)
  --database-url <u>  OTPLINE_DATABASE_URL: postgres://... to use PostgreSQL (several nodes) instead of SQLite
  --issuer <url>      OTPLINE_ISSUER (default http(s)://localhost:<port>/)
  --config <file>     OTPLINE_CONFIG: a JSON config file
  --provider <name>   OTPLINE_PROVIDER: one of the providers below (default ${DEFAULT_DRIVER})
  --log-level <lvl>   OTPLINE_LOG_LEVEL: fatal, error, warn, info (default), debug, silent
  --log-format <fmt>  OTPLINE_LOG_FORMAT: auto (default: readable on a terminal, JSON otherwise), pretty, json
`;

const INDENT = ' '.repeat(14);

/** Breaks text into lines of at most `width` characters, each after the indent. */
function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && INDENT.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** A driver's paragraph: what it does, then each setting's variable, marked required or secret. */
function providerHelp(driver: Driver): string {
  const [first, ...rest] = wrap(`${driver.metadata.displayName} - ${driver.metadata.description}`);
  const lines = [`  ${driver.name.padEnd(INDENT.length - 3)} ${first}`, ...rest.map((l) => INDENT + l)];
  const settings = driverSettings(driver);
  const width = Math.max(0, ...settings.map((s) => s.env.length));
  for (const s of settings) {
    const notes = [
      s.required ? 'required' : '',
      s.secret ? 'secret' : '',
      // A secret's default is never shown; drivers give secrets none anyway.
      s.default !== undefined && !s.secret ? `default ${JSON.stringify(s.default)}` : '',
    ].filter(Boolean);
    const marks = notes.length ? ` (${notes.join(', ')})` : '';
    lines.push(`${INDENT}${s.env.padEnd(width)}  ${s.description}${marks}`);
  }
  if (driver.metadata.docsUrl) lines.push(`${INDENT}docs: ${driver.metadata.docsUrl}`);
  return lines.join('\n');
}

/** `otpline help`: the commands, the common options, and every provider with its settings. */
export function helpText(drivers: readonly Driver[] = defaultDrivers): string {
  return `${USAGE}
Providers (OTPLINE_PROVIDER; each setting is also provider.<name>.<setting> in a config file):
${drivers.map(providerHelp).join('\n')}
`;
}
