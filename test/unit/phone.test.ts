import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePhone } from '../../src/phone/normalize.js';

describe('phone numbers', () => {
  it('normalizes to E.164 and knows the country when the number is valid', () => {
    assert.deepEqual(normalizePhone('+1 (415) 555-2671'), { ok: true, e164: '+14155552671', country: 'US' });
    assert.deepEqual(normalizePhone('+33 6 12 34 56 78'), { ok: true, e164: '+33612345678', country: 'FR' });
  });

  it("accepts possible but unassigned numbers, as Auth0 does (the walk-through's +12223334444)", () => {
    const result = normalizePhone('+12223334444');
    assert.equal(result.ok, true);
    assert.deepEqual(
      normalizePhone('+447700900123'),
      { ok: true, e164: '+447700900123', country: 'GB' },
      'the main country of +44',
    );
  });

  it('answers a number asked again (as a login does) the same, in any spacing; junk stays junk', () => {
    const first = normalizePhone('+1 415 555 2671');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(normalizePhone('+1 (415) 555-2671'), first);
      assert.deepEqual(normalizePhone('+14155552671'), { ok: true, e164: '+14155552671', country: 'US' });
      assert.equal(normalizePhone('+1555').ok, false);
    }
    assert.ok(Object.isFrozen(first), 'shared answers cannot be changed by a caller');
  });

  it('refuses what cannot be a phone number', () => {
    for (const junk of [
      '',
      '4155552671',
      '+',
      '+1',
      '+1555',
      '+9991234567',
      '+1415555267100000',
      'hello',
      '+1 415 CALL NOW',
    ]) {
      assert.equal(normalizePhone(junk).ok, false, junk);
    }
  });
});
