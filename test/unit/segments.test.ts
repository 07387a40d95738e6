import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodingOf, segmentInfo, splitMessage } from '../../src/messages/segments.js';

describe('SMS encodings and segments', () => {
  it('knows GSM-7 from UCS-2', () => {
    assert.equal(encodingOf('Your code is 482913 @£$ èé'), 'GSM-7');
    assert.equal(encodingOf('Code {482913} €'), 'GSM-7', 'extension characters are GSM-7');
    assert.equal(encodingOf('Ваш код 482913'), 'UCS-2');
    assert.equal(encodingOf('Code 482913 🔐'), 'UCS-2');
  });

  it('counts segments as carriers bill them', () => {
    assert.deepEqual(segmentInfo('x'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.deepEqual(segmentInfo('x'.repeat(161)), { encoding: 'GSM-7', units: 161, segments: 2 });
    assert.deepEqual(segmentInfo('x'.repeat(306)), { encoding: 'GSM-7', units: 306, segments: 2 });
    assert.deepEqual(segmentInfo('x'.repeat(307)), { encoding: 'GSM-7', units: 307, segments: 3 });
    assert.deepEqual(segmentInfo('€'.repeat(80)), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.deepEqual(segmentInfo('я'.repeat(70)), { encoding: 'UCS-2', units: 70, segments: 1 });
    assert.deepEqual(segmentInfo('я'.repeat(71)), { encoding: 'UCS-2', units: 71, segments: 2 });
  });

  it('splits long messages without cutting a character in two', () => {
    const parts = splitMessage(`${'x'.repeat(152)}€${'y'.repeat(10)}`);
    assert.deepEqual(
      parts.map((p) => p.length),
      [152, 11],
      'the escaped € moves whole to the next part',
    );
    const emoji = splitMessage(`${'я'.repeat(66)}🔐${'я'.repeat(10)}`);
    assert.equal(emoji[0], 'я'.repeat(66), 'the surrogate pair moves whole');
    assert.equal(emoji.join(''), `${'я'.repeat(66)}🔐${'я'.repeat(10)}`);
    assert.deepEqual(splitMessage('short'), ['short']);
  });
});
