import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeParts, gsm7Septets, packSeptets } from '../../src/providers/smpp/encode.js';

/** Reads septets back, least significant bit first, as a handset does (3GPP TS 23.038 §6.1.2.1). */
function unpack(octets: Buffer, fillBits: number, count: number): number[] {
  const septets: number[] = [];
  for (let s = 0; s < count; s++) {
    let septet = 0;
    for (let i = 0; i < 7; i++) {
      const bit = fillBits + s * 7 + i;
      septet |= (((octets[bit >> 3] as number) >> (bit & 7)) & 1) << i;
    }
    septets.push(septet);
  }
  return septets;
}

describe('SMPP short_message encoding', () => {
  it('packs GSM-7 as the standard example does: "hellohello" is E8329BFD4697D9EC37', () => {
    assert.equal(packSeptets(gsm7Septets('hellohello')).toString('hex').toUpperCase(), 'E8329BFD4697D9EC37');
  });

  it('escapes the extension table: € is 1B 65, { is 1B 28', () => {
    assert.deepEqual(gsm7Septets('€{a'), [0x1b, 0x65, 0x1b, 0x28, 0x61]);
  });

  it('keeps unpacked GSM-7 one septet per octet, and UCS-2 big-endian', () => {
    assert.deepEqual(encodeParts('Hi @', { packGsm7: false, reference: 1 }), [
      { short_message: Buffer.from([0x48, 0x69, 0x20, 0x00]), data_coding: 0, esm_class: 0 },
    ]);
    assert.equal(
      encodeParts('Код ✓', { packGsm7: false, reference: 1 })[0]?.short_message.toString('hex'),
      '041a043e043400202713',
    );
  });

  it('starts packed parts after the UDH on a septet boundary (one fill bit after six octets)', () => {
    const text = 'A'.repeat(153) + 'B'.repeat(10);
    const parts = encodeParts(text, { packGsm7: true, reference: 0x2a });
    assert.equal(parts.length, 2);
    const [first, second] = parts as [(typeof parts)[0], (typeof parts)[0]];
    assert.equal(first.short_message.length, 140, '6 + 134: 153 septets and a fill bit');
    assert.deepEqual([...first.short_message.subarray(0, 6)], [0x05, 0x00, 0x03, 0x2a, 2, 1]);
    assert.deepEqual([...second.short_message.subarray(0, 6)], [0x05, 0x00, 0x03, 0x2a, 2, 2]);
    assert.deepEqual(unpack(second.short_message.subarray(6), 1, 10), Array(10).fill(0x42));
    assert.deepEqual([first.esm_class, first.data_coding], [0x40, 0]);
  });
});
