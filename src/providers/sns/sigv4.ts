import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for one request with its whole body in hand, as AWS documents it
 * ("Create a signed AWS API request", IAM user guide): canonical request → string to sign →
 * HMAC-SHA256 with a key derived from the secret, date, region and service. Written here instead
 * of taking the AWS SDK for one call; checked against AWS's published SigV4 test suite.
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) carry one; it is sent and signed as X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface SignableRequest {
  method: string;
  /** Absolute; its host, path and query are signed. */
  url: string;
  /** Headers to sign besides host, x-amz-date and x-amz-security-token (e.g. content-type). */
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedRequest {
  /** The given headers plus x-amz-date, x-amz-security-token (with a session token) and authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** `20150830T123600Z` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 percent-encoding: everything but A–Z a–z 0–9 - . _ ~ (encodeURIComponent spares !'()*). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Each path segment encoded once; SNS and the other query APIs post to "/". */
function canonicalPath(url: URL): string {
  const segments = url.pathname.split('/').map((segment) => uriEncode(decodeURIComponent(segment)));
  return segments.join('/') || '/';
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Parameters encoded, then sorted by name, then by value. */
function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams].map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  pairs.sort(([a, x], [b, y]) => byCodePoint(a, b) || byCodePoint(x, y));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Lower-case names in order, values trimmed with inner runs of spaces made one. */
function canonicalHeaders(headers: Record<string, string>): { lines: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => byCodePoint(a, b));
  return {
    lines: entries.map(([name, value]) => `${name}:${value}\n`).join(''),
    signed: entries.map(([name]) => name).join(';'),
  };
}

/** The key for one day, region and service: HMAC chain from "AWS4" + secret. */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}

/** Signs `request` for `service` in `region` at `date`, with the signature in an Authorization header. */
export function signRequest(
  request: SignableRequest,
  credentials: AwsCredentials,
  scope: { region: string; service: string },
  date: Date = new Date(),
): SignedRequest {
  const url = new URL(request.url);
  const time = amzDate(date);
  const day = time.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': time };
  if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
  const headers = { ...request.headers, ...added };
  const { lines, signed } = canonicalHeaders({ host: url.host, ...headers });
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url),
    canonicalQuery(url),
    lines,
    signed,
    sha256Hex(request.body ?? ''),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', time, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const key = signingKey(credentials.secretAccessKey, day, scope.region, scope.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signed}, Signature=${signature}`;
  return { headers: { ...headers, authorization }, canonicalRequest, stringToSign, signature };
}
