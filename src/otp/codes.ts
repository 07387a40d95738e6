import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Stores } from '../store/index.js';
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
    private readonly stores: Stores,
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
   * Stores a new code (made with `generate`) through `tx`, the caller's transaction. Earlier
   * codes for the same phone stop working: only the latest code is valid, and asking for a new
   * one does not reset attempts on anything an attacker could still use.
   */
  async issue(
    tx: Stores,
    input: { connectionId: string; clientId: string; phone: string; code: string; lifetimeSeconds: number },
  ): Promise<IssuedCode> {
    const now = this.clock.now();
    const id = hexId();
    const expiresAt = now + input.lifetimeSeconds * 1000;
    await tx.codes.replaceActive({
      id,
      connection_id: input.connectionId,
      client_id: input.clientId,
      phone_number: input.phone,
      code_hash: this.hash(input.connectionId, input.phone, input.code),
      created_at: now,
      expires_at: expiresAt,
    });
    return { id, code: input.code, expiresAt };
  }

  async void(codeId: string): Promise<void> {
    await this.stores.codes.void(codeId);
  }

  /**
   * Checks a code presented by a client: constant-time compare, counted attempt, single use. A
   * code is bound to the client that asked for it: another client's try is a miss like a wrong
   * code, and never consumes it.
   */
  async verify(connectionId: string, phone: string, clientId: string, code: string): Promise<VerifyOutcome> {
    const active = await this.stores.codes.findActive(connectionId, phone, this.clock.now());
    if (!active) return { ok: false, reason: 'no_code' };
    const expected = Buffer.from(active.code_hash, 'hex');
    const given = Buffer.from(this.hash(connectionId, phone, code), 'hex');
    const codeMatches = expected.length === given.length && timingSafeEqual(expected, given);
    if (codeMatches && active.client_id === clientId) {
      return (await this.stores.codes.consume(active.id))
        ? { ok: true, codeId: active.id }
        : { ok: false, reason: 'no_code' };
    }
    const status = await this.stores.codes.countMiss(active.id, this.attemptsPerCode);
    if (status === 'voided') return { ok: false, reason: 'code_voided' };
    return { ok: false, reason: codeMatches ? 'wrong_client' : 'wrong_code' };
  }
}
