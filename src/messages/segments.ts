/**
 * SMS encodings and segments (3GPP TS 23.038 / 23.040). A message that fits the GSM 7-bit alphabet
 * takes 160 characters in one segment, 153 per segment once concatenated (the UDH takes 7); any
 * other character makes it UCS-2: 70 in one segment, 67 per segment concatenated. Characters of the
 * GSM extension table (`{`, `€`, ...) cost two septets.
 */
export type Encoding = 'GSM-7' | 'UCS-2';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

export interface SegmentInfo {
  encoding: Encoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

export function encodingOf(text: string): Encoding {
  for (const char of text) if (!basic.has(char) && !extension.has(char)) return 'UCS-2';
  return 'GSM-7';
}

/** The cost of one character: septets in GSM-7, UTF-16 code units in UCS-2. */
function cost(char: string, encoding: Encoding): number {
  if (encoding === 'UCS-2') return char.length;
  return extension.has(char) ? 2 : 1;
}

const LIMITS = { 'GSM-7': { single: 160, part: 153 }, 'UCS-2': { single: 70, part: 67 } } as const;

export function segmentInfo(text: string): SegmentInfo {
  const encoding = encodingOf(text);
  let units = 0;
  for (const char of text) units += cost(char, encoding);
  const { single } = LIMITS[encoding];
  return { encoding, units, segments: units <= single ? 1 : splitMessage(text).length };
}

/**
 * The parts a long message is sent in, each fitting one concatenated segment. Never splits a
 * character: an escaped GSM character or a UTF-16 surrogate pair stays in one part.
 */
export function splitMessage(text: string): string[] {
  const encoding = encodingOf(text);
  const { single, part } = LIMITS[encoding];
  const chars = [...text];
  const total = chars.reduce((sum, char) => sum + cost(char, encoding), 0);
  if (total <= single) return [text];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of chars) {
    const c = cost(char, encoding);
    if (used + c > part) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += c;
  }
  if (current) parts.push(current);
  return parts;
}
