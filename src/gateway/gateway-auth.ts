import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { Unauthorized } from '../http/errors.js';
import type { Clock } from '../util/clock.js';
import { verifyHs256 } from './hs256.js';

/** Parses "10.0.0.0/8, 192.168.1.5, ::1/128" into a BlockList; throws on a malformed entry. */
export function networkList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address = '', bits] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (!family) throw new Error(`not an IP network: "${entry}"`);
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
      throw new Error(`bad prefix length in "${entry}"`);
    list.addSubnet(address, prefix, family);
  }
  return list;
}

/** Whether `ip` is in `list`; an IPv4-mapped IPv6 address counts as its IPv4 address too. */
export function ipAllowed(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return list.check(mapped, 'ipv4') || list.check(ip, 'ipv6');
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
}

export interface GatewayAuthSettings {
  key: Uint8Array;
  audience: string;
  allowUnauthenticated: BlockList | undefined;
  /** How long a token may be used: within this of its `iat`, or of its `exp`. */
  maxAgeSeconds: number;
  clock: Clock;
}

const CLOCK_TOLERANCE_S = 5;

/**
 * Why a verified token is still refused, if it is: a token must have been issued recently (`iat`)
 * or expire soon (`exp`). Auth0 does not promise `exp`, so either one will do, but a token with
 * neither, or one that stays valid for years, could be replayed for as long.
 */
function lifetimeProblem(payload: JWTPayload, nowSeconds: number, maxAge: number): string | undefined {
  const { iat, exp } = payload;
  const recentIat =
    typeof iat === 'number' && iat <= nowSeconds + CLOCK_TOLERANCE_S && nowSeconds - iat <= maxAge;
  const nearExp = typeof exp === 'number' && exp - nowSeconds <= maxAge;
  if (recentIat || nearExp) return undefined;
  if (iat === undefined && exp === undefined) return 'the token has neither iat nor exp';
  return `the token was not issued within ${maxAge} s and does not expire within ${maxAge} s`;
}

/**
 * Auth0's gateway contract: `Authorization: Bearer <HS256 JWT>`. The algorithm is pinned (no
 * `none`, no RS/HS confusion), `aud` is required, and the token's usable life is bounded. Only a
 * network the operator listed may call without a token. Callers learn only that the token is
 * invalid; the reason goes to the log.
 */
export async function checkGatewayCaller(
  request: FastifyRequest,
  settings: GatewayAuthSettings,
): Promise<void> {
  const header = request.headers.authorization;
  const match = header ? /^bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) {
    if (settings.allowUnauthenticated && ipAllowed(settings.allowUnauthenticated, request.ip)) return;
    throw new Unauthorized('Missing bearer token');
  }
  let problem: string | undefined;
  try {
    const now = Math.floor(settings.clock.now() / 1000);
    const payload = verifyHs256(match[1], settings.key, settings.audience, now, CLOCK_TOLERANCE_S);
    problem = lifetimeProblem(payload, now, settings.maxAgeSeconds);
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem) {
    request.log.info({ problem }, 'gateway bearer token refused');
    throw new Unauthorized('Invalid bearer token');
  }
}
