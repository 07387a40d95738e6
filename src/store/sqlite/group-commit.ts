import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Flushes the database's `-wal` file with fdatasync on libuv's threadpool. The file is opened once
 * (SQLite keeps it, the same inode, for as long as a connection is open; checkpoints rewrite it
 * in place), and fdatasync flushes the file whichever descriptor wrote to it.
 */
export class WalFile {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  /** Makes what SQLite wrote to the write-ahead log durable, off the main thread. */
  readonly sync = (): Promise<void> =>
    new Promise((resolve, reject) => fdatasync(this.open(), (err) => (err ? reject(err) : resolve())));

  syncNow(): void {
    if (this.fd !== undefined) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    this.fd ??= openSync(this.path, 'r+');
    return this.fd;
  }
}

/**
 * Group commit for the embedded SQLite database: the writes of every request handled in one turn
 * of the event loop share one transaction, committed when the turn ends, and a request is answered
 * only after the commit that holds its writes is on disk (`durableSince`). A login made about
 * fifteen small writes, each its own transaction and fsync; under load they are now one commit for
 * all the requests of a turn, with the same promise: a 2xx means the rows are on disk.
 *
 * With a `WalFile`, the fsync leaves the main thread: SQLite runs with `synchronous = NORMAL`
 * (COMMIT appends to the WAL without waiting for the disk; SQLite still syncs around checkpoints)
 * and each commit is followed by an fdatasync of the WAL on the threadpool. A group is durable when
 * a sync that began after its COMMIT has finished; syncs run one at a time, and the commits made
 * while one runs share the next. The main thread meanwhile serves the next turn.
 *
 * Kysely's own transactions (`db.transaction()`) become a savepoint inside the shared transaction,
 * so they still commit or roll back as one; Kysely holds its connection lock for their duration,
 * and the shared transaction is not committed while one is open.
 */
export class GroupCommit {
  /** The open shared transaction, if any. */
  private group?: Group;
  /** Number of the last group opened (1, 2, ...). */
  private opened = 0;
  /** Number of the last group that failed to commit (0: none). */
  private lastFailed = 0;
  /** Kysely transactions open (savepoints): 0 or 1, Kysely runs them one at a time. */
  private savepoints = 0;
  /** The turn ended while a Kysely transaction was open: commit when it ends. */
  private commitWhenReleased = false;
  private readonly statements = new Map<string, SQLite.Statement>();
  /** Committed groups whose WAL sync has not begun yet; and whether one is running. */
  private unsynced: Group[] = [];
  private syncing = false;
  private closed = false;
  /** The last group committed: durable when its sync ends. */
  private lastCommitted?: Group;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly wal?: Pick<WalFile, 'sync' | 'syncNow' | 'close'>,
  ) {
    live.add(this);
  }

  /** Kysely's view of the database: `prepare` runs right before each statement executes. */
  get database(): SqliteDatabase {
    return {
      close: () => this.close(),
      prepare: (sql: string) => this.prepare(sql) as unknown as SqliteStatement,
    };
  }

  /** A mark taken when a request starts: `durableSince(mark)` covers every write it makes after it. */
  mark(): number {
    return this.group ? this.group.number : this.opened + 1;
  }

  /**
   * Resolves once every write made since `mark` is committed; rejects when the commit that held
   * any of them failed (the caller must not report success).
   */
  async durableSince(mark: number): Promise<void> {
    // The newest group: groups become durable in order, and a request that only read must not
    // answer with what a power loss could still take back.
    const newest = this.group ?? this.lastCommitted;
    if (newest) await newest.committed.catch(() => {});
    if (this.lastFailed >= mark) {
      throw new Error(
        'a write of this request is not on disk: its transaction was rolled back, or its sync failed',
      );
    }
  }

  /** Commits the open group now (other connections of this process, before they touch the file). */
  flush(): void {
    if (this.savepoints === 0) this.commit();
  }

  private prepare(sql: string): SQLite.Statement | ExplicitStatement {
    // Kysely's transaction statements, as its SQLite driver sends them.
    if (sql === 'begin') return this.explicit(() => this.beginExplicit());
    if (sql === 'commit') return this.explicit(() => this.endExplicit('release'));
    if (sql === 'rollback') return this.explicit(() => this.endExplicit('rollback'));
    // Another connection of this process (only tests open two) must not wait on our write lock:
    // its busy wait would block the thread that has to commit.
    for (const other of live) if (other !== this) other.flush();
    this.noticeLostGroup();
    const statement = this.cached(sql);
    if (!statement.readonly) this.ensureGroup();
    return statement;
  }

  /**
   * Kysely prepares every statement anew, which was a tenth of otpline's time under load
   * (docs/performance.md). The same SQL text gets the same prepared statement back: better-sqlite3
   * runs each to completion synchronously, so one statement is never in use twice at once, and
   * SQLite re-prepares it by itself after a schema change. The least recently used are dropped
   * past 500.
   */
  private cached(sql: string): SQLite.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql); // re-inserted below: the Map's order is the recency order
    } else {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size >= STATEMENTS_KEPT) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /**
   * Runs a transaction statement (BEGIN, SAVEPOINT, RELEASE, COMMIT) from the prepared-statement
   * cache: `exec` parsed it anew each time, and a gateway message or a login runs several.
   */
  private control(statement: string): void {
    this.cached(statement).run();
  }

  private ensureGroup(): void {
    if (this.group) return;
    // IMMEDIATE takes the write lock now: another process writing makes us wait (busy_timeout)
    // here, not fail later halfway through the group.
    this.control('BEGIN IMMEDIATE');
    this.group = new Group(++this.opened);
    setImmediate(() => this.commit());
  }

  private beginExplicit(): void {
    this.noticeLostGroup();
    this.ensureGroup();
    this.control(`SAVEPOINT ${SAVEPOINT}`);
    this.savepoints++;
  }

  private endExplicit(how: 'release' | 'rollback'): void {
    try {
      if (how === 'rollback') {
        // An error may already have rolled back the whole transaction: nothing left to undo.
        if (this.sqlite.inTransaction) this.sqlite.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
      } else {
        this.control(`RELEASE ${SAVEPOINT}`);
      }
    } finally {
      this.savepoints--;
      if (this.savepoints === 0 && this.commitWhenReleased) {
        this.commitWhenReleased = false;
        setImmediate(() => this.commit());
      }
    }
  }

  private commit(): void {
    const group = this.group;
    if (!group) return;
    if (this.savepoints > 0) {
      this.commitWhenReleased = true;
      return;
    }
    this.group = undefined;
    try {
      if (!this.sqlite.inTransaction) throw new Error('the transaction was rolled back by an error');
      this.control('COMMIT');
      if (this.wal) {
        this.lastCommitted = group;
        this.unsynced.push(group);
        this.syncWal();
      } else {
        group.succeed();
      }
    } catch (err) {
      if (this.sqlite.inTransaction) {
        try {
          this.sqlite.exec('ROLLBACK');
        } catch {
          // the connection is unusable; the next statement reports it
        }
      }
      this.lastFailed = group.number;
      group.fail(err);
    }
  }

  /** One fdatasync at a time, for every group committed before it began. */
  private syncWal(): void {
    if (this.syncing || this.unsynced.length === 0 || !this.wal) return;
    const groups = this.unsynced;
    this.unsynced = [];
    this.syncing = true;
    this.wal
      .sync()
      .then(
        () => {
          for (const group of groups) group.succeed();
        },
        (err) => {
          // The rows are committed but may not be on disk: no request that wrote them may say so.
          for (const group of groups) {
            this.lastFailed = Math.max(this.lastFailed, group.number);
            group.fail(err);
          }
        },
      )
      .finally(() => {
        this.syncing = false;
        if (this.closed) this.wal?.close();
        else this.syncWal();
      });
  }

  /** A statement error (disk full, I/O) can make SQLite roll back the whole transaction. */
  private noticeLostGroup(): void {
    if (this.group && this.savepoints === 0 && !this.sqlite.inTransaction) this.commit();
  }

  private explicit(run: () => void): ExplicitStatement {
    return {
      reader: false,
      readonly: false,
      run: () => {
        run();
        return { changes: 0, lastInsertRowid: 0 };
      },
    };
  }

  private close(): void {
    live.delete(this);
    this.savepoints = 0;
    this.commit();
    this.closed = true;
    if (this.wal) {
      // This sync covers every commit; one still running on the threadpool closes the file after.
      this.wal.syncNow();
      for (const group of this.unsynced) group.succeed();
      this.unsynced = [];
      if (!this.syncing) this.wal.close();
    }
    this.sqlite.close();
  }
}

const STATEMENTS_KEPT = 500;
const SAVEPOINT = 'otpline_transaction';

/** Every open group-commit connection of this process. */
const live = new Set<GroupCommit>();

interface ExplicitStatement {
  reader: false;
  readonly: false;
  run(): { changes: number; lastInsertRowid: number };
}

class Group {
  readonly committed: Promise<void>;
  succeed!: () => void;
  fail!: (err: unknown) => void;

  constructor(readonly number: number) {
    this.committed = new Promise<void>((resolve, reject) => {
      this.succeed = resolve;
      this.fail = reject;
    });
    // Nobody may be waiting on a group (a background write): its failure is reported through
    // `durableSince` and the next statement, not as an unhandled rejection.
    this.committed.catch(() => {});
  }
}
