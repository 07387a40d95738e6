import { createHash } from 'node:crypto';
import { compactVerify, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Client } from '../store/clients.js';
import type { User } from '../store/users.js';
import type { Clock } from '../util/clock.js';
import type { SigningKeys } from './signing-keys.js';

export const ACCESS_TOKEN_LIFETIME_S = 86_400;
/** Management API tokens of dashboard operators are short-lived. */
export const OPERATOR_TOKEN_LIFETIME_S = 3600;

export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in: number;
  token_type: 'Bearer';
}

export function userSub(user: Pick<User, 'id'>): string {
  return `sms|${user.id}`;
}

export function managementAudience(issuer: string): string {
  return new URL('api/v2/', issuer).toString();
}

export function userinfoAudience(issuer: string): string {
  return new URL('userinfo', issuer).toString();
}

/** The left half of the token's SHA-256, base64url (both RS256 and HS256 hash with SHA-256). */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

/** Signs id_tokens and access tokens; verifies the access tokens it issued. */
export class TokenService {
  constructor(
    private readonly issuer: string,
    private readonly keys: SigningKeys,
    private readonly clock: Clock,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private async signRs256(payload: JWTPayload, lifetime: number): Promise<string> {
    const { kid, privateKey } = this.keys.signingKey();
    const iat = this.nowSeconds();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(this.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .sign(privateKey);
  }

  /** RS256 by default; HS256 with the client secret when the client asks for it (both are what Auth0 SDKs accept). */
  async idToken(
    client: Client,
    user: User,
    extra: { nonce?: string; authTime?: number; accessToken?: string },
  ): Promise<string> {
    const claims: JWTPayload = {
      sub: userSub(user),
      aud: client.client_id,
      name: user.phone_number,
      phone_number: user.phone_number,
      phone_verified: user.phone_verified,
      updated_at: new Date(user.updated_at).toISOString(),
      ...(extra.nonce ? { nonce: extra.nonce } : {}),
      ...(extra.authTime !== undefined ? { auth_time: Math.floor(extra.authTime / 1000) } : {}),
      // OpenID Connect requires at_hash when an id_token comes with an access token from /authorize.
      ...(extra.accessToken ? { at_hash: atHash(extra.accessToken) } : {}),
    };
    const lifetime = client.jwt_configuration.lifetime_in_seconds;
    if (client.jwt_configuration.alg === 'HS256' && client.client_secret) {
      const iat = this.nowSeconds();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(this.issuer)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(new TextEncoder().encode(client.client_secret));
    }
    return this.signRs256(claims, lifetime);
  }

  async userAccessToken(client: Client, user: User, scope: string): Promise<string> {
    return this.signRs256(
      { sub: userSub(user), aud: [userinfoAudience(this.issuer)], azp: client.client_id, scope },
      ACCESS_TOKEN_LIFETIME_S,
    );
  }

  /** A dashboard operator's Management API token: every scope, one hour; each use re-checks the operator. */
  async operatorAccessToken(client: Client, user: User, scope: string): Promise<string> {
    return this.signRs256(
      { sub: userSub(user), aud: managementAudience(this.issuer), azp: client.client_id, scope },
      OPERATOR_TOKEN_LIFETIME_S,
    );
  }

  async managementAccessToken(client: Client, scope: string): Promise<string> {
    return this.signRs256(
      {
        sub: `${client.client_id}@clients`,
        aud: managementAudience(this.issuer),
        azp: client.client_id,
        scope,
        gty: 'client-credentials',
      },
      ACCESS_TOKEN_LIFETIME_S,
    );
  }

  /**
   * The application an id_token was issued to, if this server signed it (RS256), expired or not:
   * OpenID Connect's logout takes an old id_token as a hint of who is logging out.
   */
  async audienceOfIdToken(token: string): Promise<string | undefined> {
    try {
      const { payload } = await compactVerify(token, async (header) => {
        const key = header.kid ? this.keys.publicKey(header.kid) : undefined;
        if (!key || header.alg !== 'RS256') throw new Error('unknown key');
        return key;
      });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
      if (claims.iss !== this.issuer) return undefined;
      return typeof claims.aud === 'string' ? claims.aud : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verifies an access token this server issued for `audience`; throws on any problem. */
  async verifyAccessToken(token: string, audience: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? this.keys.publicKey(header.kid) : undefined;
        if (!key) throw new Error('unknown key');
        return key;
      },
      { issuer: this.issuer, audience, algorithms: ['RS256'], currentDate: new Date(this.clock.now()) },
    );
    return payload;
  }
}
