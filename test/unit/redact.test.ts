import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError, redactUrl } from '../../src/util/redact.js';

describe('redaction for logs', () => {
  it('keeps a URL readable but drops query values and passwords', () => {
    assert.equal(
      redactUrl('https://user:pa55@sms.example:8443/send?api_key=SECRET&to=1&to=2#x'),
      'https://user:[redacted]@sms.example:8443/send?api_key=[redacted]&to=[redacted]',
    );
    assert.equal(redactUrl('http://gw.example/sms'), 'http://gw.example/sms');
    assert.equal(redactUrl('not a url'), '[not a URL]');
  });

  it('describes network errors with their codes, nested ones included', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    assert.equal(describeError(refused), 'connect ECONNREFUSED 127.0.0.1:9');
    const both = new AggregateError(
      [refused, Object.assign(new Error('boom'), { code: 'EHOSTUNREACH' })],
      '',
    );
    assert.equal(describeError(both), 'AggregateError; connect ECONNREFUSED 127.0.0.1:9; EHOSTUNREACH: boom');
  });
});
