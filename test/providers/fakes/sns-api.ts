import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeReply, HttpApiModel, RecordedRequest } from '../../helpers/fake-http-api.js';

/*
 * Amazon SNS as a Publish-to-phone caller meets it: POST / with a form body (query protocol),
 * signed with SigV4, answered in XML. Sources: the SNS API reference (Publish, its example
 * response) and service model (botocore data/sns/2010-03-31/service-2.json: codes and statuses);
 * AWS's common errors for query APIs; the phone-number wording from SNS answers quoted in
 * aws/aws-sdk-js#1368. The signature is recomputed here from the request as it arrived, with
 * hashes and HMACs of its own: it does not reuse the driver's signer.
 */
export interface SnsAccount {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export function snsError(status: number, code: string, message: string): FakeReply {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>req-${code}</RequestId></ErrorResponse>`;
  return { status, body, contentType: 'text/xml' };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();
const header = (headers: IncomingHttpHeaders, name: string) => String(headers[name] ?? '');

/** AWS's check: rebuild the canonical request from what arrived, sign it with the secret, compare. */
function checkSignature(request: RecordedRequest, account: SnsAccount): FakeReply | undefined {
  const authorization = header(request.headers, 'authorization');
  if (!authorization)
    return snsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const parts =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parts)
    return snsError(
      400,
      'IncompleteSignature',
      'Authorization header requires Credential, SignedHeaders and Signature',
    );
  const [, keyId, day, region, service, signedHeaders, signature] = parts as unknown as string[];
  if (keyId !== account.accessKeyId)
    return snsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (account.sessionToken && header(request.headers, 'x-amz-security-token') !== account.sessionToken)
    return snsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const amzDate = header(request.headers, 'x-amz-date');
  const names = (signedHeaders as string).split(';');
  const required = ['host', 'x-amz-date', ...(account.sessionToken ? ['x-amz-security-token'] : [])];
  if (required.some((name) => !names.includes(name)) || region !== account.region || service !== 'sns')
    return snsError(
      403,
      'SignatureDoesNotMatch',
      'Credential should be scoped to a valid region and service.',
    );
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!(Math.abs(Date.now() - signedAt) < 5 * 60_000) || amzDate.slice(0, 8) !== day)
    return snsError(403, 'SignatureDoesNotMatch', 'Signature expired or not yet current.');
  const [path, query = ''] = request.path.split('?');
  const canonical = [
    request.method,
    path,
    query,
    names.map((name) => `${name}:${header(request.headers, name).trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    sha256(request.raw),
  ].join('\n');
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${day}/${region}/sns/aws4_request\n${sha256(canonical)}`;
  const key = hmac(
    hmac(hmac(hmac(`AWS4${account.secretAccessKey}`, day as string), region as string), 'sns'),
    'aws4_request',
  );
  if (createHmac('sha256', key).update(stringToSign).digest('hex') !== signature)
    return snsError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.',
    );
  return undefined;
}

/** `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}` read back into a map. */
export function messageAttributes(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const entry = `MessageAttributes.entry.${n}`;
    if (form.get(`${entry}.Value.DataType`) !== 'String') throw new Error(`${entry} is not a String`);
    out[form.get(`${entry}.Name`) as string] = form.get(`${entry}.Value.StringValue`) ?? '';
  }
  return out;
}

function checkPublish(form: URLSearchParams): FakeReply | undefined {
  if (form.get('Action') !== 'Publish' || form.get('Version') !== '2010-03-31')
    return snsError(400, 'InvalidAction', 'The action or operation requested is invalid.');
  const phone = form.get('PhoneNumber') ?? '';
  if (!/^\+[1-9]\d{6,14}$/.test(phone))
    return snsError(
      400,
      'InvalidParameter',
      `Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to`,
    );
  if (!form.get('Message')) return snsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
  const attributes = messageAttributes(form);
  const type = attributes['AWS.SNS.SMS.SMSType'];
  const sender = attributes['AWS.SNS.SMS.SenderID'];
  if (
    (type !== undefined && !['Transactional', 'Promotional'].includes(type)) ||
    (sender !== undefined && !/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/.test(sender))
  )
    return snsError(400, 'InvalidParameter', 'Invalid parameter: MessageAttributes');
  return undefined;
}

/** The SNS model for FakeHttpApi; `failNext` queues one of SNS's own errors for the next request. */
export function fakeSns(account: SnsAccount): HttpApiModel & { failNext(reply: FakeReply): void } {
  const canned: FakeReply[] = [];
  return {
    takesIdempotencyKey: false,
    failNext: (reply) => canned.push(reply),
    check(request) {
      if (request.method !== 'POST' || request.path !== '/')
        return snsError(400, 'InvalidAction', 'Query APIs take POST /');
      if (!header(request.headers, 'content-type').startsWith('application/x-www-form-urlencoded'))
        return snsError(
          400,
          'MalformedQueryString',
          'Content-Type must be application/x-www-form-urlencoded',
        );
      return (
        checkSignature(request, account) ?? checkPublish(new URLSearchParams(request.raw)) ?? canned.shift()
      );
    },
    read(request) {
      const form = new URLSearchParams(request.raw);
      return { to: form.get('PhoneNumber') ?? '', body: form.get('Message') ?? '' };
    },
    reply(answer, n) {
      if (answer === 'throttle') return snsError(400, 'Throttling', 'Rate exceeded');
      if (answer === 'server_error') return snsError(500, 'InternalError', 'Internal service error');
      if (answer === 'refuse')
        return snsError(400, 'ValidationException', 'Value at message failed to satisfy constraint');
      const id = `5f0f1c2a-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const body =
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${id}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>req-${n}</RequestId></ResponseMetadata></PublishResponse>`;
      return { status: 200, body, id, contentType: 'text/xml' };
    },
  };
}
