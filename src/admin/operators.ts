import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Stores } from '../store/index.js';
import { secretHash } from '../store/web-logins.js';
import type { Clock } from '../util/clock.js';

/** The dashboard's own application: public (PKCE), fixed id, made at every start. */
export const DASHBOARD_CLIENT_ID = 'otpline-dashboard';
/** The sms connection operators sign in with; enabled for the dashboard only. */
export const OPERATORS_CONNECTION = 'otpline-operators';
/** How long the first start's setup link works. */
export const SETUP_LINK_TTL_MS = 24 * 3600_000;
/** Carries the setup token from /admin/setup to the end of the SMS login (HttpOnly, path /authorize). */
export const SETUP_COOKIE = 'otpline_admin_setup';

/**
 * Who may use the dashboard: the phones of `admin.operators` and those added through the setup
 * link. Checked when the dashboard's login ends, when its tokens are issued or refreshed, and on
 * every Management API request made with them, so a phone taken out of the config loses access at once.
 */
export class Operators {
  constructor(
    private readonly config: Pick<Config, 'admin' | 'issuer'>,
    private readonly stores: Pick<Stores, 'operators' | 'users' | 'connections'>,
    private readonly clock: Clock,
  ) {}

  async isOperator(phone: string): Promise<boolean> {
    return this.config.admin.operators.includes(phone) || (await this.stores.operators.has(phone));
  }

  async any(): Promise<boolean> {
    return this.config.admin.operators.length > 0 || (await this.stores.operators.count()) > 0;
  }

  /** The user's phone when that user signed in through the operators' connection and may still operate. */
  async operatorPhone(userId: string): Promise<string | undefined> {
    const user = await this.stores.users.get(userId);
    if (!user) return undefined;
    const connection = await this.stores.connections.getByName(OPERATORS_CONNECTION);
    if (!connection || user.connection_id !== connection.id) return undefined;
    return (await this.isOperator(user.phone_number)) ? user.phone_number : undefined;
  }

  /**
   * A new one-time setup link when there is no operator and no live link; undefined otherwise.
   * Only the token's hash is stored: the link is shown once, by the caller.
   */
  async createSetupLink(): Promise<{ url: string; expiresAt: number } | undefined> {
    if (await this.any()) return undefined;
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.clock.now() + SETUP_LINK_TTL_MS;
    const created = await this.stores.operators.createSetupToken(
      { hash: secretHash(token), expires_at: expiresAt },
      this.clock.now(),
    );
    if (!created) return undefined;
    return { url: `${new URL('admin/setup', this.config.issuer).toString()}#${token}`, expiresAt };
  }

  /** Whether a setup token is the live one (not used, not expired). */
  async setupTokenValid(token: string): Promise<boolean> {
    const current = await this.stores.operators.setupToken();
    return (
      current !== undefined && current.expires_at > this.clock.now() && current.hash === secretHash(token)
    );
  }

  /** Makes `phone` an operator with the setup token, which is used up; false when it is not valid. */
  async claimSetup(token: string | undefined, phone: string): Promise<boolean> {
    if (!token || !(await this.setupTokenValid(token))) return false;
    if (!(await this.stores.operators.consumeSetupToken(secretHash(token)))) return false;
    await this.stores.operators.add(phone, 'setup_link', this.clock.now());
    return true;
  }
}
