import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import type { TokenResponse } from '../tokens.js';

/** The parameters every grant may read; each grant checks its own. */
export interface TokenRequestBody {
  grant_type: string;
  client_id?: string;
  client_secret?: string;
  audience?: string;
  scope?: string;
  username?: string;
  otp?: string;
  realm?: string;
  nonce?: string;
  [other: string]: unknown;
}

export type GrantDeps = Pick<
  Services,
  | 'config'
  | 'clock'
  | 'clients'
  | 'connections'
  | 'users'
  | 'codes'
  | 'bruteForce'
  | 'tokens'
  | 'abuse'
  | 'security'
  | 'stores'
  | 'operators'
>;

/** One module per grant type, as in node-oidc-provider. */
export interface Grant {
  grantType: string;
  handler(deps: GrantDeps, request: FastifyRequest, body: TokenRequestBody): Promise<TokenResponse>;
}
