import { createHash, createHmac } from 'node:crypto';
import type { SignatureMethod } from './config.js';

/**
 * Vonage's SMS API signature (`sig`), for signed requests and signed delivery receipts: every
 * parameter but `sig`, sorted by name, written `&name=value` with `&` and `=` in values replaced by
 * `_`; then MD5 of that string followed by the secret (`md5hash`, lower-case hex), or an HMAC of it
 * keyed by the secret (upper-case hex). As in Vonage's SDKs (vonage-php-sdk-core
 * `src/Client/Signature.php`); https://developer.vonage.com/en/getting-started/concepts/signing-messages.
 */
export function vonageSignature(
  params: Record<string, string>,
  secret: string,
  method: SignatureMethod,
): string {
  const base = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(base + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(base, 'utf8').digest('hex').toUpperCase();
}
