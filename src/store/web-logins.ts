import { createHash } from 'node:crypto';
import type { Db } from './database.js';
import type {
  AuthorizationCodesTable,
  LoginSessionsTable,
  LoginTicketsTable,
  RefreshTokensTable,
} from './tables.js';

/** Secrets are kept as their SHA-256: a copy of the database logs nobody in. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export type NewAuthorizationCode = Omit<AuthorizationCodesTable, 'code_hash' | 'used'>;
export type LoginSession = Omit<LoginSessionsTable, 'id_hash' | 'ended'>;
export type RefreshToken = Omit<RefreshTokensTable, 'token_hash'>;
export type LoginTicket = Omit<LoginTicketsTable, 'ticket_hash' | 'used'>;

/**
 * What the hosted login keeps: authorization codes, browser sessions and refresh tokens. Each
 * state change is one conditional statement, so two nodes (or two requests) racing for one code
 * or one refresh token cannot both win.
 */
export class WebLoginStore {
  constructor(private readonly db: Db) {}

  async saveCode(code: string, row: NewAuthorizationCode): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({ ...row, code_hash: secretHash(code), used: 0 })
      .execute();
  }

  /**
   * Uses an authorization code: the row when this call is the first to use it before it expires;
   * `reused` when it was used already (its tokens should then be revoked); undefined otherwise.
   */
  async useCode(
    code: string,
    now: number,
  ): Promise<{ row: AuthorizationCodesTable } | { reused: AuthorizationCodesTable } | undefined> {
    const hash = secretHash(code);
    const taken = await this.db
      .updateTable('authorization_codes')
      .set({ used: 1 })
      .where('code_hash', '=', hash)
      .where('used', '=', 0)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('code_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    if (Number(taken.numUpdatedRows) === 1) return { row };
    return row.used === 1 ? { reused: row } : undefined;
  }

  async saveTicket(ticket: string, row: LoginTicket): Promise<void> {
    await this.db
      .insertInto('login_tickets')
      .values({ ...row, ticket_hash: secretHash(ticket), used: 0 })
      .execute();
  }

  /**
   * Uses a login ticket: the row when this call is the first to use it before it expires, else
   * undefined (unknown, expired or used already; a ticket is worth one login).
   */
  async useTicket(ticket: string, now: number): Promise<LoginTicket | undefined> {
    const hash = secretHash(ticket);
    const taken = await this.db
      .updateTable('login_tickets')
      .set({ used: 1 })
      .where('ticket_hash', '=', hash)
      .where('used', '=', 0)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) return undefined;
    return this.db
      .selectFrom('login_tickets')
      .select([
        'kind',
        'client_id',
        'user_id',
        'connection_id',
        'binding_hash',
        'co_id',
        'auth_time',
        'expires_at',
      ])
      .where('ticket_hash', '=', hash)
      .executeTakeFirst();
  }

  async startSession(id: string, session: LoginSession): Promise<void> {
    await this.db
      .insertInto('login_sessions')
      .values({ ...session, id_hash: secretHash(id), ended: 0 })
      .execute();
  }

  async session(id: string, now: number): Promise<LoginSession | undefined> {
    return this.db
      .selectFrom('login_sessions')
      .select(['user_id', 'connection_id', 'auth_time', 'expires_at'])
      .where('id_hash', '=', secretHash(id))
      .where('ended', '=', 0)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** A logout: the session is gone at once (nothing else reads it). */
  async endSession(id: string): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('id_hash', '=', secretHash(id)).execute();
  }

  async saveRefreshToken(token: string, row: RefreshToken): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({ ...row, token_hash: secretHash(token) })
      .execute();
  }

  /**
   * Rotates a refresh token: marks it used and returns it when it was active and unexpired.
   * `reused` when it had been rotated already: a copy is in someone else's hands.
   */
  async rotateRefreshToken(
    token: string,
    now: number,
  ): Promise<{ row: RefreshToken } | { reused: RefreshToken } | undefined> {
    const hash = secretHash(token);
    const taken = await this.db
      .updateTable('refresh_tokens')
      .set({ status: 'rotated' })
      .where('token_hash', '=', hash)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select([
        'family_id',
        'client_id',
        'user_id',
        'scope',
        'audience',
        'status',
        'created_at',
        'expires_at',
      ])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    if (Number(taken.numUpdatedRows) === 1) return { row };
    return row.status === 'rotated' ? { reused: row } : undefined;
  }

  /** Revokes every token of a family (a reused refresh token, a logout). */
  async revokeFamily(familyId: string): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ status: 'revoked' })
      .where('family_id', '=', familyId)
      .execute();
  }

  /** Revokes the refresh tokens issued from one authorization code (a code used twice). */
  async revokeUserClient(userId: string, clientId: string): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ status: 'revoked' })
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .execute();
  }
}
