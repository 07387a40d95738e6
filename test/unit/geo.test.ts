import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countryAllowed, numberRange } from '../../src/abuse/geo.js';

const none = { allowed: [], denied: [] };

describe('geo permissions', () => {
  it('allows every country, and unknown ones, when nothing is configured', () => {
    for (const country of ['US', 'RU', null])
      assert.equal(countryAllowed(country, none), true, String(country));
  });

  it('refuses a denied country, and only that one, without an allowlist', () => {
    const global = { allowed: [], denied: ['RU'] };
    assert.equal(countryAllowed('RU', global), false);
    assert.equal(countryAllowed('US', global), true);
    assert.equal(countryAllowed(null, global), true, 'a denylist alone does not refuse unknown countries');
  });

  it('allows only the listed countries under an allowlist, and refuses an unknown country', () => {
    const global = { allowed: ['US', 'GB'], denied: [] };
    assert.equal(countryAllowed('US', global), true);
    assert.equal(countryAllowed('GB', global), true);
    assert.equal(countryAllowed('DE', global), false);
    assert.equal(countryAllowed(null, global), false);
  });

  it("lets a connection's own lists narrow the global rules, never widen them", () => {
    const global = { allowed: ['US', 'GB'], denied: [] };
    assert.equal(countryAllowed('GB', global, { allowed: ['US'] }), false, 'narrowed to US');
    assert.equal(countryAllowed('US', global, { allowed: ['US'] }), true);
    assert.equal(countryAllowed('DE', global, { allowed: ['DE'] }), false, 'DE is not allowed globally');
    assert.equal(countryAllowed('GB', global, { denied: ['GB'] }), false);
    assert.equal(countryAllowed('US', global, { denied: ['GB'] }), true);
    assert.equal(countryAllowed('RU', { allowed: [], denied: ['RU'] }, { allowed: ['RU'] }), false);
    assert.equal(countryAllowed(null, none, { allowed: ['US'] }), false);
    assert.equal(countryAllowed('FR', none, {}), true, 'empty own rules change nothing');
  });
});

describe('number ranges', () => {
  it('are the first digits of the E.164 number, country code included', () => {
    assert.equal(numberRange('+14155550100', 7), '+1415555');
    assert.equal(numberRange('+447700900123', 7), '+4477009');
    assert.equal(numberRange('+447700900123', 3), '+447');
  });

  it('put numbers differing after the range in one range, and others apart', () => {
    assert.equal(numberRange('+14155550100', 7), numberRange('+14155559999', 7));
    assert.notEqual(numberRange('+14155550100', 7), numberRange('+14155560100', 7));
  });

  it('are the whole number when it is shorter than the range', () => {
    assert.equal(numberRange('+3531234', 10), '+3531234');
  });
});
