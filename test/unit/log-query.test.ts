import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogQueryError, parseLogQuery } from '../../src/management/log-query.js';

const at = (iso: string) => Date.parse(iso);
const END_OF_DAY = 86_400_000 - 1;

describe("parseLogQuery: the subset of Auth0's log search otpline reads", () => {
  it('reads nothing as no filter', () => {
    assert.deepEqual(parseLogQuery(''), {});
    assert.deepEqual(parseLogQuery('   '), {});
  });

  it('reads field:value terms, quoted or not, into the filter of each field', () => {
    assert.deepEqual(parseLogQuery('type:fp'), { type: ['fp'] });
    assert.deepEqual(parseLogQuery('type:"fp"'), { type: ['fp'] });
    assert.deepEqual(parseLogQuery('user_name:"+14155550100"'), { phone_number: '+14155550100' });
    assert.deepEqual(parseLogQuery('phone_number:+14155550100'), { phone_number: '+14155550100' });
    assert.deepEqual(parseLogQuery('ip:198.51.100.7'), { ip: '198.51.100.7' });
    // The first colon ends the field name: an IPv6 address needs no quotes.
    assert.deepEqual(parseLogQuery('ip:2001:db8::1'), { ip: '2001:db8::1' });
    assert.deepEqual(parseLogQuery('ip:"2001:db8::1"'), { ip: '2001:db8::1' });
    assert.deepEqual(parseLogQuery('client_id:AbC123'), { client_id: 'AbC123' });
    assert.deepEqual(parseLogQuery('connection:"sms custom"'), { connection: 'sms custom' });
    assert.deepEqual(parseLogQuery('user_id:"sms|0123456789abcdef01234567"'), {
      user_id: 'sms|0123456789abcdef01234567',
    });
    // A space after the colon: the value is the next token.
    assert.deepEqual(parseLogQuery('type: fp'), { type: ['fp'] });
  });

  it('joins terms with AND or with spaces', () => {
    const expected = { type: ['fp'], ip: '198.51.100.7', phone_number: '+14155550100' };
    assert.deepEqual(parseLogQuery('type:fp AND ip:198.51.100.7 AND user_name:"+14155550100"'), expected);
    assert.deepEqual(parseLogQuery('type:fp ip:198.51.100.7   user_name:"+14155550100"'), expected);
    assert.deepEqual(parseLogQuery('  type:fp\tAND\nip:198.51.100.7 user_name:"+14155550100" '), expected);
  });

  it("reads a type's alternatives in parentheses joined by OR", () => {
    assert.deepEqual(parseLogQuery('type:(fp OR limit_wc)'), { type: ['fp', 'limit_wc'] });
    assert.deepEqual(parseLogQuery('type:("fp" OR "cls" OR s)'), { type: ['fp', 'cls', 's'] });
    assert.deepEqual(parseLogQuery('type:( fp  OR  cls )'), { type: ['fp', 'cls'] });
    assert.deepEqual(parseLogQuery('type:(fp)'), { type: ['fp'] });
    assert.deepEqual(parseLogQuery('type:(fp OR limit_wc) AND user_name:"+14155550100"'), {
      type: ['fp', 'limit_wc'],
      phone_number: '+14155550100',
    });
  });

  it('keeps spaces, parentheses and brackets inside quotes', () => {
    assert.deepEqual(parseLogQuery('connection:"a (b) [c] AND d"'), { connection: 'a (b) [c] AND d' });
  });

  it('reads date ranges with inclusive ends, either end *', () => {
    assert.deepEqual(parseLogQuery('date:[2026-01-01T10:00:00Z TO 2026-01-01T11:30:00.500Z]'), {
      from: at('2026-01-01T10:00:00Z'),
      to: at('2026-01-01T11:30:00.500Z'),
    });
    assert.deepEqual(parseLogQuery('date:[2026-01-01T10:00:00Z TO *]'), { from: at('2026-01-01T10:00:00Z') });
    assert.deepEqual(parseLogQuery('date:[* TO 2026-01-01T10:00:00Z]'), { to: at('2026-01-01T10:00:00Z') });
    assert.deepEqual(parseLogQuery('date:[* TO *]'), {});
    assert.deepEqual(parseLogQuery('date:["2026-01-01T10:00:00Z" TO *]'), {
      from: at('2026-01-01T10:00:00Z'),
    });
    assert.deepEqual(parseLogQuery('date:[ 2026-01-01T10:00:00Z  TO  * ]'), {
      from: at('2026-01-01T10:00:00Z'),
    });
  });

  it('reads a bare day as the whole day: from its first to its last millisecond', () => {
    assert.deepEqual(parseLogQuery('date:[2026-01-01 TO 2026-01-31]'), {
      from: at('2026-01-01T00:00:00Z'),
      to: at('2026-01-31T00:00:00Z') + END_OF_DAY,
    });
    assert.deepEqual(parseLogQuery('date:[* TO 2026-01-31]'), { to: at('2026-01-31T23:59:59.999Z') });
    assert.deepEqual(parseLogQuery('date:[2026-01-31 TO *]'), { from: at('2026-01-31T00:00:00Z') });
    // One day alone, quoted or not.
    const day = { from: at('2026-02-14T00:00:00Z'), to: at('2026-02-14T23:59:59.999Z') };
    assert.deepEqual(parseLogQuery('date:2026-02-14'), day);
    assert.deepEqual(parseLogQuery('date:"2026-02-14"'), day);
  });

  it('reads one instant as exactly that instant', () => {
    const instant = at('2026-02-14T08:15:00.250Z');
    assert.deepEqual(parseLogQuery('date:"2026-02-14T08:15:00.250Z"'), { from: instant, to: instant });
  });

  it('reads two half-open date terms as one range', () => {
    assert.deepEqual(parseLogQuery('date:[2026-01-01T10:00:00+02:00 TO *] AND date:[* TO 2026-01-02]'), {
      from: at('2026-01-01T08:00:00Z'),
      to: at('2026-01-02T23:59:59.999Z'),
    });
  });

  it('combines a date range with other terms', () => {
    assert.deepEqual(parseLogQuery('type:(fp OR cls) AND date:[2026-01-01 TO *] AND ip:198.51.100.7'), {
      type: ['fp', 'cls'],
      from: at('2026-01-01T00:00:00Z'),
      ip: '198.51.100.7',
    });
  });

  it('refuses what it cannot read, saying why', () => {
    const refused: Array<[string, RegExp]> = [
      ['foo:bar', /unknown field "foo"/],
      ['TYPE:fp', /unknown field "TYPE"/],
      ['description:wrong', /unknown field "description"/],
      ['fp', /expected field:value, got "fp"/],
      [':fp', /expected field:value/],
      ['type:fp OR type:cls', /OR is only supported between the values of one field/],
      ['NOT type:fp', /NOT is only supported/],
      ['type:fp and ip:198.51.100.7', /expected field:value, got "and"/],
      ['type:(fp OR cls', /unbalanced/],
      ['type:fp)', /unbalanced/],
      ['date:[2026-01-01 TO *', /unbalanced/],
      ['date:2026-01-01 TO *]', /unbalanced/],
      ['type:(fp OR cls)x', /unbalanced parentheses in/],
      ['user_name:"+14155550100', /unclosed quote/],
      ['type:(fp OR)', /expected \(a OR b \.\.\.\)/],
      ['type:(OR fp)', /expected \(a OR b \.\.\.\)/],
      ['type:(fp cls)', /expected \(a OR b \.\.\.\)/],
      ['ip:(198.51.100.1 OR 198.51.100.2)', /only type may list alternatives/],
      ['user_name:("+14155550100" OR "+14155550101")', /only type may list alternatives/],
      ['date:[yesterday TO *]', /"yesterday" is not a date/],
      ['date:[* TO 2026-13-45]', /is not a date/],
      ['date:not-a-date', /"not-a-date" is not a date/],
      // Lucene's exclusive ranges are not read.
      ['date:{2026-01-01 TO 2026-01-31}', /"\{2026-01-01" is not a date/],
    ];
    for (const [q, message] of refused) {
      assert.throws(
        () => parseLogQuery(q),
        (err: unknown) => err instanceof LogQueryError && message.test(err.message),
        q,
      );
    }
  });
});
