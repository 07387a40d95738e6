import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Transaction } from 'kysely';
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
  | { ok: true; codeId: string; clientId: string }
  | { ok: false; reason: 'no_code' | 'wrong_code' | 'code_voided' };

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
   * Stores a new code inside the caller's transaction. Earlier codes for the same phone stop
   * working: only the latest code is valid, and asking for a new one does not reset attempts
   * on anything an attacker could still use.
   */
  async issue(
    trx: Transaction<Database>,
    input: { connectionId: string; clientId: string; phone: string; length: number; lifetimeSeconds: number },
  ): Promise<IssuedCode> {
    const now = this.clock.now();
    await trx
      .updateTable('otp_codes')
      .set({ status: 'superseded' })
      .where('connection_id', '=', input.connectionId)
      .where('phone_number', '=', input.phone)
      .where('status', '=', 'active')
      .execute();
    const code = OtpCodes.generate(input.length);
    const id = hexId();
    const expiresAt = now + input.lifetimeSeconds * 1000;
    await trx
      .insertInto('otp_codes')
      .values({
        id,
        connection_id: input.connectionId,
        client_id: input.clientId,
        phone_number: input.phone,
        code_hash: this.hash(input.connectionId, input.phone, code),
        status: 'active',
        attempts: 0,
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { id, code, expiresAt };
  }

  async void(codeId: string): Promise<void> {
    await this.db.updateTable('otp_codes').set({ status: 'voided' }).where('id', '=', codeId).execute();
  }

  /** Checks a code: constant-time compare, counted attempt, single use. */
  async verify(connectionId: string, phone: string, code: string): Promise<VerifyOutcome> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('otp_codes')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('phone_number', '=', phone)
        .where('status', '=', 'active')
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'no_code' } as const;
      const expected = Buffer.from(row.code_hash, 'hex');
      const given = Buffer.from(this.hash(connectionId, phone, code), 'hex');
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        // The status guard makes a second use of the same code fail even under a race.
        const used = await trx
          .updateTable('otp_codes')
          .set({ status: 'used', attempts: row.attempts + 1 })
          .where('id', '=', row.id)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) === 1)
          return { ok: true, codeId: row.id, clientId: row.client_id } as const;
        return { ok: false, reason: 'no_code' } as const;
      }
      const attempts = row.attempts + 1;
      const voided = attempts >= this.attemptsPerCode;
      await trx
        .updateTable('otp_codes')
        .set({ attempts, status: voided ? 'voided' : 'active' })
        .where('id', '=', row.id)
        .execute();
      return { ok: false, reason: voided ? 'code_voided' : 'wrong_code' } as const;
    });
  }
}
