import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { accepted, epochOf, headerOf, type ReceiptOutcome, refused, sameSignature } from '../receipt-kit.js';
import type { DeliveryReceipt, ReceiptRequest, ReceiptRoute } from '../types.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `MessageBird-Signature-JWT`, as MessageBird's SDKs check it (messagebird-nodejs
 * `lib/webhook-signature-jwt.js`, and its reference vectors): a JWT signed HS256/384/512 with the
 * signing key, issuer "MessageBird", with `nbf`/`exp` (a minute apart, so replays expire), a `jti`,
 * `url_hash` = hex SHA-256 of the full URL called (query included), and `payload_hash` = hex SHA-256
 * of the body whenever there is one. Returns what is wrong, or undefined.
 */
export async function messageBirdSignatureProblem(
  request: ReceiptRequest,
  signingKey: string,
  now: number,
): Promise<string | undefined> {
  const token = headerOf(request, 'messagebird-signature-jwt');
  if (!token) return 'missing MessageBird-Signature-JWT';
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, new TextEncoder().encode(signingKey), {
      issuer: 'MessageBird',
      algorithms: ['HS256', 'HS384', 'HS512'],
      requiredClaims: ['exp', 'jti', 'url_hash'],
      clockTolerance: 5,
      currentDate: new Date(now),
    });
    claims = verified.payload;
  } catch (err) {
    return `MessageBird-Signature-JWT refused: ${(err as Error).message}`;
  }
  if (
    typeof claims.url_hash !== 'string' ||
    !sameSignature(sha256(request.url), claims.url_hash.toLowerCase())
  )
    return 'MessageBird-Signature-JWT is for another URL';
  const payloadHash = claims.payload_hash;
  if (payloadHash === undefined) return request.rawBody ? 'body not covered by the signature' : undefined;
  if (typeof payloadHash !== 'string' || !sameSignature(sha256(request.rawBody), payloadHash.toLowerCase()))
    return 'MessageBird-Signature-JWT is for another body';
  return undefined;
}

/**
 * SMS status reports, which MessageBird sends by GET to the message's `reportUrl` (only for messages
 * with a `reference`): `delivered` becomes a delivered receipt; `delivery_failed` and `expired`
 * undelivered, with `statusReason`/`statusErrorCode` when given; `sent`, `buffered` and the rest are
 * acknowledged and dropped. Without a signing key reports are taken unsigned.
 */
export function messageBirdReceipts(
  signingKey: string | undefined,
  now: () => number = Date.now,
): ReceiptRoute {
  return {
    method: 'GET',
    path: '/',
    async handle(request: ReceiptRequest): Promise<ReceiptOutcome> {
      if (signingKey) {
        const problem = await messageBirdSignatureProblem(request, signingKey, now());
        if (problem) return refused(problem);
      }
      const receipt = receiptOf(request.query);
      return accepted(receipt ? [receipt] : []);
    },
  };
}

function receiptOf(fields: Record<string, string>): DeliveryReceipt | undefined {
  const { id, status } = fields;
  if (!id || !status) return undefined;
  // statusDatetime is RFC 3339 ("2016-05-03T08:58:10+00:00"); a "+" read as a space is put back.
  const at = epochOf(fields.statusDatetime?.replace(' ', '+'));
  const when = at === undefined ? {} : { at };
  if (status === 'delivered')
    return { providerMessageId: id, status: 'delivered', detail: 'delivered', ...when };
  if (status !== 'delivery_failed' && status !== 'expired') return undefined;
  const reason = fields.statusReason ? `, ${fields.statusReason}` : '';
  const code = fields.statusErrorCode ? `, error ${fields.statusErrorCode}` : '';
  return { providerMessageId: id, status: 'undelivered', detail: `${status}${reason}${code}`, ...when };
}
