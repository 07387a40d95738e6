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
  if (segments <= maxSegments) return undefined;
  return {
    outcome: 'permanent',
    detail:
      `message too long for ${provider}: ${units} ${encoding === 'GSM-7' ? 'GSM-7 septets' : 'UCS-2 units'} ` +
      `in ${segments} segments, at most ${maxSegments}`,
  };
}
