import { createHmac, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Area codes none of phoneSequence()'s numbers use, so the load still signs up new users. */
const AREAS = [206, 214, 303, 310, 347, 412, 480, 602, 619, 704];
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY = 86_400_000;

/** Distinct E.164 numbers: 10 area codes × 800 exchanges × 10,000 lines. */
export function pastPhone(i: number): string {
  const area = AREAS[i % AREAS.length] ?? 206;
  const exchange = 200 + (Math.floor(i / AREAS.length) % 800);
  const line = Math.floor(i / (AREAS.length * 800)) % 10_000;
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
}

/** `prefix` + 16 random letters and digits, as otpline's prefixedId() makes them. */
function alphanumericId(prefix: string): string {
  let out = `${prefix}_`;
  for (const byte of randomBytes(16)) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

export interface Prefilled {
  rows: number;
  prefillSeconds: number;
  /** The database file's size after the prefill, MB. */
  fileMb: number;
}

/**
 * Fills a migrated, stopped otpline SQLite database with `rows` past logins on the `sms` connection
 * and its bench client: per login a user, its code (used, or one in ten never typed and expired:
 * status still 'active'), the message that carried it ('sent', redacted, via the connection's
 * gateway_url) and that message's accepted delivery attempt, spread over the last 90 days. The
 * code hash is the HMAC otpline stores, under the database's own key. Rows are made by SQL
 * (`insert … select` over a generated sequence, JavaScript functions for the phone, the hash and
 * the ids), in otpline's indexes as they are. Setup only: no journal, no fsync.
 */
export function prefill(file: string, rows: number): Prefilled {
  const started = performance.now();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576'); // 1 GiB: the largest size's indexes stay in memory
    const one = <T>(sql: string) => db.prepare(sql).get() as T | undefined;
    const connection = one<{ id: string }>("select id from connections where name = 'sms'")?.id;
    const client = one<{ client_id: string }>("select client_id from clients where name = 'Bench backend'");
    const key = one<{ value: string }>("select value from settings where key = 'code_hmac_key'")?.value;
    if (!connection || !client || !key)
      throw new Error(`prefill: ${file} has no sms connection, client or key`);
    const hmacKey = Buffer.from(key, 'utf8');
    db.function('phone', { deterministic: true }, (i) => pastPhone(Number(i)));
    db.function('code_hash', { deterministic: true }, (phone, digits) =>
      createHmac('sha256', hmacKey).update(`${connection}\n${phone}\n${digits}`).digest('hex'),
    );
    db.function('alphanumeric_id', { deterministic: false }, (prefix) => alphanumericId(String(prefix)));
    const params = {
      rows,
      now: Date.now(),
      day: DAY,
      connection,
      client: client.client_id,
      body: 'Your one time password is > ******',
    };
    // Login i: its phone, when it happened (oldest first, the newest a day ago), whether the code was used.
    const logins = `with recursive seq(i) as (select 0 union all select i + 1 from seq where i + 1 < @rows),
      login as materialized (
        select i, phone(i) as phone, cast(@now - @day - ((@rows - i) * 89 * @day) / @rows as integer) as at, i % 10 != 0 as used
        from seq)`;
    // A code never typed was asked for by a user who had logged in a week before.
    db.prepare(`${logins}
      insert into users (id, connection_id, phone_number, phone_verified, created_at, updated_at, last_login, logins_count)
      select lower(hex(randomblob(12))), @connection, phone, 1, min(at, last), last, last, 1
      from (select phone, at, case when used then at + 20000 else at - 7 * @day end as last from login)`).run(
      params,
    );
    db.prepare(`${logins}
      insert into otp_codes (id, connection_id, client_id, phone_number, code_hash, status, attempts, created_at, expires_at)
      select lower(hex(randomblob(12))), @connection, @client, phone,
        code_hash(phone, printf('%06d', abs(random()) % 1000000)),
        case when used then 'used' else 'active' end, used, at, at + 300000
      from login`).run(params);
    const before = one<{ n: number }>('select coalesce(max(rowid), 0) as n from messages')?.n ?? 0;
    db.prepare(`${logins}, message as materialized (select alphanumeric_id('msg') as id, phone, at from login)
      insert into messages (id, source, connection_id, recipient, body, body_redacted, sender, country, dispatch,
        encoding, segments, route_step, step_failures, status, attempts, next_attempt_at, expires_at, provider,
        idempotency_key, created_at, updated_at)
      select id, 'passwordless', @connection, phone, @body, @body, '+11111111111', 'US', 'gateway_url',
        'GSM-7', 1, 0, 0, 'sent', 1, at + 150, at + 300000, 'gateway_url',
        id, at, at + 150
      from message`).run(params);
    db.prepare(`insert into message_attempts (id, message_id, attempt, provider, outcome, status_code, started_at, finished_at)
      select alphanumeric_id('att'), id, 1, 'gateway_url', 'accepted', '200', created_at + 10, updated_at
      from messages where rowid > ?`).run(before);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  return {
    rows,
    prefillSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    fileMb: Number((statSync(file).size / 2 ** 20).toFixed(1)),
  };
}
