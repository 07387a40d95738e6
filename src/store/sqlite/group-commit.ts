import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Group commit for the embedded SQLite database: the writes of every request handled in one turn
 * of the event loop share one transaction, committed (one fsync) when the turn ends, and a request
 * is answered only after the commit that holds its writes (`durableSince`). A login made about
 * fifteen small writes, each its own transaction and fsync; under load they are now one commit for
 * all the requests of a turn, with the same promise: a 2xx means the rows are on disk.
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

  constructor(private readonly sqlite: SQLite.Database) {
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
    if (this.group) await this.group.committed;
    if (this.lastFailed >= mark) {
      throw new Error('a write of this request was rolled back: its transaction failed to commit');
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

  private ensureGroup(): void {
    if (this.group) return;
    // IMMEDIATE takes the write lock now: another process writing makes us wait (busy_timeout)
    // here, not fail later halfway through the group.
    this.sqlite.exec('BEGIN IMMEDIATE');
    this.group = new Group(++this.opened);
    setImmediate(() => this.commit());
  }

  private beginExplicit(): void {
    this.noticeLostGroup();
    this.ensureGroup();
    this.sqlite.exec(`SAVEPOINT ${SAVEPOINT}`);
    this.savepoints++;
  }

  private endExplicit(how: 'release' | 'rollback'): void {
    try {
      if (how === 'rollback') {
        // An error may already have rolled back the whole transaction: nothing left to undo.
        if (this.sqlite.inTransaction) this.sqlite.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
      } else {
        this.sqlite.exec(`RELEASE ${SAVEPOINT}`);
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
      this.sqlite.exec('COMMIT');
      group.succeed();
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
