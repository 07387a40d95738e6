import { segmentInfo } from '../messages/segments.js';
import type { SendResult } from './types.js';

/**
 * Refuses, before any call, a body longer than the provider takes: `permanent`, since a retry
 * cannot shorten it. Counted in segments (GSM-7: 153 characters each once concatenated, UCS-2: 67),
 * the unit providers bill and cap.
 */
export function refuseOverLength(
  body: string,
  maxSegments: number,
  provider: string,
): SendResult | undefined {
  const { segments, encoding, units } = segmentInfo(body);
  const what = `${units} ${encoding === 'GSM-7' ? 'GSM-7 septets' : 'UCS-2 units'} in ${segments} segments`;
  return refuseOverSegments(segments, maxSegments, provider, what);
}

/** The same, for a driver that counts the segments itself (it encodes the text its own way). */
export function refuseOverSegments(
  segments: number,
  maxSegments: number,
  provider: string,
  what = `${segments} segments`,
): SendResult | undefined {
  if (segments <= maxSegments) return undefined;
  return {
    outcome: 'permanent',
    detail: `message too long for ${provider}: ${what}, at most ${maxSegments}`,
  };
}
