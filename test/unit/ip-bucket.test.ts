import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipBucket } from '../../src/otp/ip-bucket.js';

describe('per-IP limit buckets', () => {
  it('counts IPv4 addresses one by one, and IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(ipBucket('198.51.100.7'), '198.51.100.7');
    assert.equal(ipBucket('::ffff:198.51.100.7'), '198.51.100.7');
  });

  it('counts IPv6 per /64, however the address is written', () => {
    const bucket = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:DB8:1:2:ffff::3', '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'])
      assert.equal(ipBucket(ip), bucket, ip);
    assert.notEqual(ipBucket('2001:db8:1:3::1'), bucket);
    assert.equal(ipBucket('fe80::1%eth0'), 'fe80:0:0:0::/64');
  });

  it('leaves anything else as it is', () => {
    assert.equal(ipBucket('not-an-ip'), 'not-an-ip');
  });
});
