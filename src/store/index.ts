import { sql } from 'kysely';
import { AbuseStore } from './abuse.js';
import { atomically } from './atomic.js';
import { ClientStore } from './clients.js';
import { CodeStore } from './codes.js';
import { ConfigCache } from './config-cache.js';
import { ConnectionStore } from './connections.js';
import { CounterStore } from './counters.js';
import { COMMITTED_AT_ONCE, type Db, type Dialect, type Durability } from './database.js';
import { EventStore } from './events.js';
import { KeyStore } from './keys.js';
import { MessageStore } from './messages.js';
import { OperatorStore } from './operators.js';
import { ProviderHealthStore } from './provider-health.js';
import { RetentionStore } from './retention.js';
import { SettingStore } from './settings.js';
import { StatsStore } from './stats.js';
import { UserBlockStore } from './user-blocks.js';
import { UserStore } from './users.js';
import { WebLoginStore } from './web-logins.js';

/**
 * Every repository, over one database handle. All SQL lives behind these; `transaction` gives
 * the same repositories bound to one transaction, for writes that must commit together (a code
 * and its message).
 */
export class Stores {
  readonly clients: ClientStore;
  readonly connections: ConnectionStore;
  readonly users: UserStore;
  readonly codes: CodeStore;
  readonly counters: CounterStore;
  readonly messages: MessageStore;
  readonly keys: KeyStore;
  readonly settings: SettingStore;
  readonly providerHealth: ProviderHealthStore;
  readonly events: EventStore;
  readonly abuse: AbuseStore;
  readonly userBlocks: UserBlockStore;
  readonly retention: RetentionStore;
  readonly webLogins: WebLoginStore;
  readonly operators: OperatorStore;
  readonly stats: StatsStore;

  constructor(
    private readonly db: Db,
    readonly dialect: Dialect,
    /** The HTTP layer answers a request only once its writes are durable. */
    readonly durability: Durability = COMMITTED_AT_ONCE,
    /** Clients and connections kept for a second; shared with the transactions' stores, which clear it. */
    private readonly configCache = new ConfigCache(),
  ) {
    this.clients = new ClientStore(db, configCache);
    this.connections = new ConnectionStore(db, configCache);
    this.users = new UserStore(db);
    this.codes = new CodeStore(db, dialect);
    this.counters = new CounterStore(db);
    this.messages = new MessageStore(db, dialect);
    this.keys = new KeyStore(db);
    this.settings = new SettingStore(db);
    this.providerHealth = new ProviderHealthStore(db);
    this.events = new EventStore(db);
    this.abuse = new AbuseStore(db);
    this.userBlocks = new UserBlockStore(db);
    this.retention = new RetentionStore(db, dialect);
    this.webLogins = new WebLoginStore(db);
    this.operators = new OperatorStore(db);
    this.stats = new StatsStore(db);
  }

  transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T> {
    return atomically(this.db, (trx) => fn(new Stores(trx, this.dialect, this.durability, this.configCache)));
  }

  /** Throws unless the database answers. */
  /** The Kysely instance itself, for the migration checks of `/readyz`. */
  get database(): Db {
    return this.db;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
