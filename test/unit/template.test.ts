import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTemplate, maskCode, maskDigitRuns, renderTemplate } from '../../src/messages/template.js';

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

  it('masks codes for the delivery log', () => {
    assert.equal(maskCode('Code 482913, again 482913', '482913'), 'Code ******, again ******');
    assert.equal(
      maskDigitRuns('Your code is 1234 (call +14155552671)'),
      'Your code is **** (call +14155552671)',
    );
  });
});
