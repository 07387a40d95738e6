import { encodingOf, splitMessage } from '../../messages/segments.js';

/*
 * Text into submit_sm short_message parts (3GPP TS 23.038 alphabets, TS 23.040 concatenation).
 * GSM-7 goes as data_coding 0, one septet per octet unless packed; anything else as UCS-2
 * (data_coding 8, UTF-16BE). A long message is split by splitMessage into parts that each start
 * with the 6-octet UDH 05 00 03 <ref> <total> <seq> and carry esm_class 0x40 (UDHI).
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Extension table: escape (0x1B) then this septet. */
const GSM_EXTENSION: Record<string, number> = {
  '\f': 0x0a,
  '^': 0x14,
  '{': 0x28,
  '}': 0x29,
  '\\': 0x2f,
  '[': 0x3c,
  '~': 0x3d,
  ']': 0x3e,
  '|': 0x40,
  '€': 0x65,
};
const ESC = 0x1b;
export const ESM_CLASS_UDHI = 0x40;

export function gsm7Septets(text: string): number[] {
  const septets: number[] = [];
  for (const char of text) {
    const extended = GSM_EXTENSION[char];
    if (extended !== undefined) septets.push(ESC, extended);
    else {
      const index = GSM_BASIC.indexOf(char);
      if (index < 0) throw new Error(`"${char}" is not in the GSM 7-bit alphabet`);
      septets.push(index);
    }
  }
  return septets;
}

/** Septets packed least significant bit first, after `fillBits` zero bits (to align after a UDH). */
export function packSeptets(septets: number[], fillBits = 0): Buffer {
  const out = Buffer.alloc(Math.ceil((fillBits + septets.length * 7) / 8));
  let bit = fillBits;
  for (const septet of septets)
    for (let i = 0; i < 7; i++, bit++)
      if ((septet >> i) & 1) out[bit >> 3] = (out[bit >> 3] as number) | (1 << (bit & 7));
  return out;
}

export interface SubmitPart {
  short_message: Buffer;
  data_coding: 0 | 8;
  esm_class: number;
}

/** One part per segment; `reference` (0–255) ties the parts of one message together. */
export function encodeParts(text: string, options: { packGsm7: boolean; reference: number }): SubmitPart[] {
  const gsm = encodingOf(text) === 'GSM-7';
  const parts = splitMessage(text);
  if (parts.length > 255)
    throw new Error(`the message needs ${parts.length} parts; SMS concatenation allows 255`);
  const udhOctets = parts.length > 1 ? 6 : 0;
  return parts.map((part, i) => {
    const udh =
      parts.length > 1
        ? Buffer.from([0x05, 0x00, 0x03, options.reference & 0xff, parts.length, i + 1])
        : Buffer.alloc(0);
    let payload: Buffer;
    if (!gsm) payload = Buffer.from(part, 'utf16le').swap16();
    else if (!options.packGsm7) payload = Buffer.from(gsm7Septets(part));
    else payload = packSeptets(gsm7Septets(part), (7 - ((udhOctets * 8) % 7)) % 7);
    return {
      short_message: Buffer.concat([udh, payload]),
      data_coding: gsm ? 0 : 8,
      esm_class: parts.length > 1 ? ESM_CLASS_UDHI : 0,
    };
  });
}
