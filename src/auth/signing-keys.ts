import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { isUniqueViolation } from '../store/database.js';
import type { KeyStore } from '../store/keys.js';
import type { SigningKeysTable } from '../store/tables.js';
import { randomAlphanumeric } from '../util/ids.js';

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: CryptoKey;
}

/**
 * The signing keys live in the database, so every node signs with the same key and a restart
 * keeps old tokens verifiable. Generated at first start; earlier keys stay in the JWKS until
 * revoked.
 */
export class SigningKeys {
  private current: SigningKey | undefined;
  private jwks: { keys: JWK[] } = { keys: [] };
  private publicKeys = new Map<string, CryptoKey>();

  constructor(private readonly keys: KeyStore) {}

  async load(now: number): Promise<void> {
    let rows = await this.keys.published();
    if (!rows.some((r) => r.status === 'current')) {
      // Two nodes starting on an empty database both get here; the database keeps the first key.
      await this.keys.addFirst(await newKey(now)).catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
      });
      rows = await this.keys.published();
    }
    const currentRow = rows.find((r) => r.status === 'current');
    if (!currentRow) throw new Error('no current signing key');
    // Build everything first, then swap: a reload must never leave verification without keys.
    const current: SigningKey = {
      kid: currentRow.kid,
      alg: 'RS256',
      privateKey: (await importJWK(JSON.parse(currentRow.private_jwk) as JWK, 'RS256')) as CryptoKey,
    };
    const publicKeys = new Map<string, CryptoKey>();
    const keys: JWK[] = [];
    for (const row of rows) {
      const jwk = JSON.parse(row.public_jwk) as JWK;
      keys.push(jwk);
      publicKeys.set(row.kid, (await importJWK(jwk, row.alg)) as CryptoKey);
    }
    this.current = current;
    this.publicKeys = publicKeys;
    this.jwks = { keys };
  }

  /** Makes a new current key; the old one stays published for tokens already issued. */
  async rotate(now: number): Promise<string> {
    const key = await newKey(now);
    await this.keys.makeCurrent(key);
    return key.kid;
  }

  signingKey(): SigningKey {
    if (!this.current) throw new Error('signing keys not loaded');
    return this.current;
  }

  publicJwks(): { keys: JWK[] } {
    return this.jwks;
  }

  publicKey(kid: string): CryptoKey | undefined {
    return this.publicKeys.get(kid);
  }
}

async function newKey(now: number): Promise<Omit<SigningKeysTable, 'status'>> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = randomAlphanumeric(22);
  return {
    kid,
    alg: 'RS256',
    private_jwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'RS256' }),
    public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }),
    created_at: now,
  };
}
