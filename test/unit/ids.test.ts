import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hexId, prefixedId } from '../../src/util/ids.js';

describe('identifiers', () => {
  it('hexId: 24 hex characters, the time in seconds first, never the same twice', () => {
    const before = Math.floor(Date.now() / 1000);
    // More than one refill of the random pool (512 identifiers each).
    const ids = Array.from({ length: 5000 }, () => hexId());
    const after = Math.floor(Date.now() / 1000);
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{24}$/);
      const seconds = Number.parseInt(id.slice(0, 8), 16);
      assert.ok(seconds >= before && seconds <= after, id);
    }
    assert.equal(new Set(ids).size, ids.length, 'no identifier repeats');
    const tails = new Set(ids.map((id) => id.slice(8)));
    assert.equal(tails.size, ids.length, 'the random part differs every time, across pool refills');
  });

  it('prefixedId: the prefix, 8 characters of time, 8 random letters and digits', () => {
    const ids = Array.from({ length: 1000 }, () => prefixedId('msg'));
    for (const id of ids) assert.match(id, /^msg_[0-9a-z]{8}[A-Za-z0-9]{8}$/);
    assert.equal(new Set(ids).size, ids.length);
  });
});
