// The gateway's HS256 check, held against jose (the reference) on the tokens a caller could send.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { verifyHs256 } from '../../src/gateway/hs256.js';

const key = new TextEncoder().encode('a-gateway-secret-of-enough-length');
const other = new TextEncoder().encode('another-secret-of-enough-length!!');
const audience = 'https://otpline.example/gateway/sms';
const now = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signed by hand: for headers jose will not sign. */
const handSigned = (header: unknown, payload: unknown) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }, k = key) =>
  new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(k);

/** jose's verdict, with the same settings the gateway used with it. */
async function jose(token: string): Promise<boolean> {
  try {
    await jwtVerify(token, key, {
      algorithms: ['HS256'],
      audience,
      currentDate: new Date(now * 1000),
      clockTolerance: 5,
    });
    return true;
  } catch {
    return false;
  }
}
function ours(token: string): boolean {
  try {
    verifyHs256(token, key, audience, now, 5);
    return true;
  } catch {
    return false;
  }
}

describe('verifyHs256 (the gateway bearer token)', () => {
  it('agrees with jose on good, forged, expired and malformed tokens', async () => {
    const good = await sign({ aud: audience, iat: now, exp: now + 60 });
    const [h, p, s] = good.split('.') as [string, string, string];
    const cases: Record<string, string> = {
      good,
      'aud in a list': await sign({ aud: ['urn:other', audience], iat: now }),
      'exp within the tolerance': await sign({ aud: audience, exp: now - 3 }),
      'wrong key': await sign({ aud: audience, iat: now }, { alg: 'HS256' }, other),
      'wrong audience': await sign({ aud: 'urn:someone-else', iat: now }),
      'no audience': await sign({ iat: now }),
      expired: await sign({ aud: audience, exp: now - 10 }),
      'not yet valid': await sign({ aud: audience, nbf: now + 60 }),
      'exp not a number': await sign({ aud: audience, exp: '9999999999' }),
      'alg none': new UnsecuredJWT({ aud: audience }).encode(),
      'alg HS384': await sign({ aud: audience }, { alg: 'HS384' }),
      'hand-signed control': handSigned({ alg: 'HS256' }, { aud: audience, iat: now }),
      'alg HS256 with crit': handSigned(
        { alg: 'HS256', crit: ['x-policy'], 'x-policy': 1 },
        { aud: audience },
      ),
      'b64 false': handSigned({ alg: 'HS256', b64: false, crit: ['b64'] }, { aud: audience }),
      tampered: `${good.slice(0, -4)}AAAA`,
      'payload swapped': `${h}.${b64({ aud: audience, iat: now, admin: true })}.${s}`,
      'signature cut': `${h}.${p}.${s.slice(0, 20)}`,
      'not base64url': `${h}.${p}.${s}==`,
      'a payload that is an array': `${h}.${b64([audience])}.${s}`,
      'two parts': `${h}.${p}`,
      'four parts': `${good}.x`,
      'not a JWT': 'hello',
      empty: '',
    };
    for (const [name, token] of Object.entries(cases)) {
      assert.equal(ours(token), await jose(token), name);
    }
    assert.equal(ours(good), true);
    assert.equal(ours(cases.tampered as string), false);
  });

  it('says what is wrong, for the log', async () => {
    assert.throws(() => verifyHs256('hello', key, audience, now, 5), /not a compact JWS/);
    assert.throws(
      () => verifyHs256(new UnsecuredJWT({ aud: audience }).encode(), key, audience, now, 5),
      /"alg"/,
    );
    const expired = await sign({ aud: audience, exp: now - 10 });
    assert.throws(() => verifyHs256(expired, key, audience, now, 5), /"exp"/);
    assert.deepEqual(verifyHs256(await sign({ aud: audience, iat: now }), key, audience, now, 5), {
      aud: audience,
      iat: now,
    });
  });
});
