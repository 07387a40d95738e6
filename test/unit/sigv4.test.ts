import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signRequest, uriEncode } from '../../src/providers/sns/sigv4.js';

/*
 * Vectors of AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, once at
 * docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html), all with the suite's
 * example credentials, region us-east-1, service "service" and time 2015-08-30T12:36:00Z. The
 * canonical requests (.creq), strings to sign (.sts) and signatures were read from the copies
 * in awslabs/aws-c-auth (tests/aws-signing-test-suite/v4/<name>/header-*.txt) and, for
 * post-x-www-form-urlencoded, whose 2015 form signs only content-type, host and x-amz-date,
 * from aws/aws-sdk-js-v3 (packages/signature-v4/src/suite.fixture.ts); its string to sign
 * follows from the canonical request and is the same in several independent signers' tests.
 */
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const scope = { region: 'us-east-1', service: 'service' };
const date = new Date('2015-08-30T12:36:00Z');
const SESSION_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8Y' +
  'UuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8Y' +
  'QcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const sts = (hash: string) =>
  ['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request', hash].join('\n');

const vectors = [
  {
    name: 'get-vanilla',
    request: { method: 'GET', url: 'https://example.amazonaws.com/' },
    canonicalRequest: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63'),
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    request: { method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1' },
    canonicalRequest:
      'GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n' +
      `host;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0'),
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'post-x-www-form-urlencoded',
    request: {
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
    },
    canonicalRequest:
      'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n' +
      'x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n' +
      '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    stringToSign: sts('42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281'),
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-sts-header-before (a session token, signed)',
    request: { method: 'POST', url: 'https://example.amazonaws.com/' },
    sessionToken: SESSION_TOKEN,
    canonicalRequest:
      'POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n' +
      `x-amz-security-token:${SESSION_TOKEN}\n\nhost;x-amz-date;x-amz-security-token\n${EMPTY_SHA256}`,
    stringToSign: sts('c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6'),
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
];

describe('AWS Signature Version 4', () => {
  for (const vector of vectors) {
    it(`signs the suite's ${vector.name} as published`, () => {
      const signed = signRequest(
        vector.request,
        { ...credentials, sessionToken: vector.sessionToken },
        scope,
        date,
      );
      assert.equal(signed.canonicalRequest, vector.canonicalRequest);
      assert.equal(signed.stringToSign, vector.stringToSign);
      assert.equal(signed.signature, vector.signature);
      const signedHeaders = vector.canonicalRequest.split('\n').at(-2);
      assert.equal(
        signed.headers.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ` +
          `SignedHeaders=${signedHeaders}, Signature=${vector.signature}`,
      );
      assert.equal(signed.headers['x-amz-date'], '20150830T123600Z');
      assert.equal(signed.headers['x-amz-security-token'], vector.sessionToken);
    });
  }

  it('encodes as RFC 3986 asks, sparing only unreserved characters', () => {
    assert.equal(uriEncode("-._~AZaz09 !'()*+/=é"), '-._~AZaz09%20%21%27%28%29%2A%2B%2F%3D%C3%A9');
  });
});
