import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkTemplate,
  maskCode,
  maskDigitRuns,
  renderTemplate,
  TemplateError,
} from '../../src/messages/template.js';

const vars = {
  code: '482913',
  phone_number: '+14155552671',
  application: { name: 'Acme' },
  request_language: 'fr-FR',
};

describe('templates', () => {
  it('renders md_with_macros macros, leaving unknown ones as written', async () => {
    assert.equal(
      await renderTemplate('md_with_macros', 'Your one time password is > @@password@@', vars),
      'Your one time password is > 482913',
    );
    assert.equal(
      await renderTemplate(
        'md_with_macros',
        '@@code@@ for @@application.name@@ ({{ code }}) @@unknown@@',
        vars,
      ),
      '482913 for Acme (482913) @@unknown@@',
    );
  });

  it('renders liquid, with the language for localized text', async () => {
    const template =
      '{% if request_language contains "fr" %}Votre code : {{ code }}{% else %}Your code: {{ password }}{% endif %} - {{ application.name }}';
    assert.equal(await renderTemplate('liquid', template, vars), 'Votre code : 482913 - Acme');
    assert.equal(
      await renderTemplate('liquid', template, { ...vars, request_language: null }),
      'Your code: 482913 - Acme',
    );
  });

  it('refuses liquid that does not parse', () => {
    assert.throws(() => checkTemplate('liquid', '{{ code '));
    assert.doesNotThrow(() => checkTemplate('md_with_macros', '{{ code '));
  });

  it('masks codes for the delivery log, also written with separators', () => {
    assert.equal(maskCode('Code 482913, again 482913', '482913'), 'Code ******, again ******');
    assert.equal(
      maskCode('Code 482-913 or 482 913 or 4.8.2.9.1.3', '482913'),
      'Code ***-*** or *** *** or *.*.*.*.*.*',
    );
    assert.equal(maskCode('Code 482913 for +14155552671', '482913'), 'Code ****** for +14155552671');
    assert.equal(
      maskDigitRuns('Your code is 1234 (call +14155552671)'),
      'Your code is **** (call +14155552671)',
    );
    assert.equal(maskDigitRuns('Your code: 482-913'), 'Your code: ***-***');
  });

  it('masks a code exactly where the pattern "its digits, one separator allowed between two" matches', () => {
    // The reference: the pattern written as a regular expression, on random texts.
    const reference = (text: string, code: string) =>
      text.replace(new RegExp(code.split('').join('[\\s.\\-–]?'), 'g'), (found) => found.replace(/\d/g, '*'));
    const alphabet = '0123456789  ..--–\u00a0x';
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const code = String(random(10 ** 4)).padStart(4, '0');
      const text =
        Array.from({ length: random(40) }, () => alphabet[random(alphabet.length)]).join('') + code;
      assert.equal(maskCode(text, code), reference(text, code), JSON.stringify({ text, code }));
    }
  });

  it('has no file system, no tags outside the allowed list, and no prototype access', () => {
    for (const template of [
      "{% include 'package.json' %}",
      "{% render 'x' %}",
      "{% layout 'x' %}",
      '{% tablerow i in (1..2) %}{% endtablerow %}',
    ]) {
      assert.throws(
        () => checkTemplate('liquid', template),
        (err: unknown) => err instanceof TemplateError && err.reason === 'not_allowed',
        template,
      );
    }
    assert.equal(
      renderTemplate('liquid', '[{{ code.constructor }}{{ application.constructor.name }}]', vars),
      '[]',
    );
  });

  it('bounds what a template may cost and how long its text may be', () => {
    const heavy = '{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}';
    assert.throws(
      () => renderTemplate('liquid', heavy, vars),
      (err: unknown) => err instanceof TemplateError && err.reason === 'too_costly',
    );
    assert.throws(
      () => renderTemplate('md_with_macros', 'x'.repeat(5121), vars),
      (err: unknown) => err instanceof TemplateError && err.reason === 'too_long',
    );
  });
});
