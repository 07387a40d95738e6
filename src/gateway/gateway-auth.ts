import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import { Unauthorized } from '../http/errors.js';
import type { Clock } from '../util/clock.js';

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

function ipAllowed(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return list.check(mapped, 'ipv4') || list.check(ip, 'ipv6');
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
}

export interface GatewayAuthSettings {
  key: Uint8Array;
  audience: string;
  allowUnauthenticated: BlockList | undefined;
  clock: Clock;
}

/**
 * Auth0's gateway contract: `Authorization: Bearer <HS256 JWT>`. The algorithm is pinned (no
 * `none`, no RS/HS confusion), `aud` and `exp` are required. Only a network the operator listed
 * may call without a token.
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
  try {
    await jwtVerify(match[1], settings.key, {
      algorithms: ['HS256'],
      audience: settings.audience,
      requiredClaims: ['exp'],
      currentDate: new Date(settings.clock.now()),
      clockTolerance: 5,
    });
  } catch (err) {
    throw new Unauthorized(`Invalid bearer token: ${(err as Error).message}`);
  }
}
