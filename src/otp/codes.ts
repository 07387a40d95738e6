import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../store/database.js';
import type { Database } from '../store/tables.js';
import type { Clock } from '../util/clock.js';
import { hexId } from '../util/ids.js';

export interface IssuedCode {
  id: string;
  code: string;
  expiresAt: number;
}

export type VerifyOutcome =
  | { ok: true; codeId: string }
  | { ok: false; reason: 'no_code' | 'wrong_code' | 'wrong_client' | 'code_voided' };

/** A one-time code: random digits, stored only as an HMAC under a server secret. */
export class OtpCodes {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly hmacKey: Buffer,
    private readonly attemptsPerCode: number,
  ) {}

  private hash(connectionId: string, phone: string, code: string): string {
    return createHmac('sha256', this.hmacKey).update(`${connectionId}\n${phone}\n${code}`).digest('hex');
  }

  static generate(length: number): string {
    let code = '';
    for (let i = 0; i < length; i++) code += String(randomInt(10));
    return code;
  }

  /**
   * Stores a new code (made with `generate`) inside the caller's transaction. Earlier codes for
   * the same phone stop working: only the latest code is valid, and asking for a new one does not
   * reset attempts on anything an attacker could still use.
   */
  async issue(
    trx: Transaction<Database>,
    input: { connectionId: string; clientId: string; phone: string; code: string; lifetimeSeconds: number },
  ): Promise<IssuedCode> {
    const now = this.clock.now();
    await trx
      .updateTable('otp_codes')
      .set({ status: 'superseded' })
      .where('connection_id', '=', input.connectionId)
      .where('phone_number', '=', input.phone)
      .where('status', '=', 'active')
      .execute();
    const id = hexId();
    const expiresAt = now + input.lifetimeSeconds * 1000;
    await trx
      .insertInto('otp_codes')
      .values({
        id,
        connection_id: input.connectionId,
        client_id: input.clientId,
        phone_number: input.phone,
        code_hash: this.hash(input.connectionId, input.phone, input.code),
        status: 'active',
        attempts: 0,
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { id, code: input.code, expiresAt };
  }

  async void(codeId: string): Promise<void> {
    await this.db.updateTable('otp_codes').set({ status: 'voided' }).where('id', '=', codeId).execute();
  }

  /**
   * Checks a code presented by a client: constant-time compare, counted attempt, single use. A
   * code is bound to the client that asked for it: another client's try is a miss like a wrong
   * code, and never consumes it. Every change is one conditional statement, so parallel tries
   * can neither revive a used code nor share one attempt.
   */
  async verify(connectionId: string, phone: string, clientId: string, code: string): Promise<VerifyOutcome> {
    const now = this.clock.now();
    const row = await this.db
      .selectFrom('otp_codes')
      .select(['id', 'client_id', 'code_hash'])
      .where('connection_id', '=', connectionId)
      .where('phone_number', '=', phone)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'no_code' };
    const expected = Buffer.from(row.code_hash, 'hex');
    const given = Buffer.from(this.hash(connectionId, phone, code), 'hex');
    const codeMatches = expected.length === given.length && timingSafeEqual(expected, given);
    if (codeMatches && row.client_id === clientId) {
      const used = await this.db
        .updateTable('otp_codes')
        .set((eb) => ({ status: 'used', attempts: eb('attempts', '+', 1) }))
        .where('id', '=', row.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return Number(used.numUpdatedRows) === 1
        ? { ok: true, codeId: row.id }
        : { ok: false, reason: 'no_code' };
    }
    const counted = await this.db
      .updateTable('otp_codes')
      .set({
        attempts: sql<number>`attempts + 1`,
        status: sql<
          'active' | 'voided'
        >`case when attempts + 1 >= ${this.attemptsPerCode} then 'voided' else status end`,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'active')
      .returning('status')
      .executeTakeFirst();
    if (counted?.status === 'voided') return { ok: false, reason: 'code_voided' };
    return { ok: false, reason: codeMatches ? 'wrong_client' : 'wrong_code' };
  }
}
