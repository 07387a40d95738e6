import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001_initial.js';
import { clientUrls } from './0002_client_urls.js';
import { storeSeam } from './0003_store_seam.js';
import { routingAndReceipts } from './0004_routing_and_receipts.js';
import { abuseAndLogs } from './0005_abuse_and_logs.js';
import { retentionIndexes } from './0006_retention_indexes.js';
import { hostedLogin } from './0007_hosted_login.js';
import { operators } from './0008_operators.js';
import { loginTickets } from './0009_login_tickets.js';
import { codeLookup } from './0010_code_lookup.js';

/** Append-only: add a new file and a new line; never edit a migration that has shipped. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_client_urls': clientUrls,
  '0003_store_seam': storeSeam,
  '0004_routing_and_receipts': routingAndReceipts,
  '0005_abuse_and_logs': abuseAndLogs,
  '0006_retention_indexes': retentionIndexes,
  '0007_hosted_login': hostedLogin,
  '0008_operators': operators,
  '0009_login_tickets': loginTickets,
  '0010_code_lookup': codeLookup,
};

/** Every migration this otpline knows, in the order they run. */
export const migrationNames = Object.keys(migrations).sort();

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
