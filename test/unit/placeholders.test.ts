import { describe, expect, it } from 'vitest';
import { placeholdersOf, renderTemplate } from '#shared/domain/placeholders.ts';

describe('placeholdersOf', () => {
  it('lists distinct keys in order of first use, with or without inner spaces', () => {
    expect(
      placeholdersOf('Hi {{first_name}}, your {{ plan }} renews; bye {{first_name}} {{  due_date  }}'),
    ).toEqual(['first_name', 'plan', 'due_date']);
  });

  it('finds none in plain text, single braces or empty braces', () => {
    expect(placeholdersOf('Hello {name} and {{}} and { {x} }')).toEqual([]);
  });

  it('keeps inner spaces of a multi-word key', () => {
    expect(placeholdersOf('{{ first name }}')).toEqual(['first name']);
  });
});

describe('renderTemplate', () => {
  it('fills strings, numbers and booleans', () => {
    expect(
      renderTemplate('Hi {{ name }}, you owe {{amount}} (vip: {{vip}})', {
        name: 'Alice',
        amount: 42.5,
        vip: false,
      }),
    ).toEqual({
      ok: true,
      text: 'Hi Alice, you owe 42.5 (vip: false)',
    });
  });

  it('treats a missing key as an error listing every missing key, never leaving {{key}} in the text', () => {
    expect(renderTemplate('Hi {{name}} {{ plan }} {{name}} {{due}}', { plan: 'gold' })).toEqual({
      ok: false,
      missing: ['name', 'due'],
    });
  });

  it('does not take keys from the prototype', () => {
    expect(renderTemplate('{{toString}}', {})).toEqual({ ok: false, missing: ['toString'] });
  });

  it('fills an empty-string value as nothing and keeps {{}} as written', () => {
    expect(renderTemplate('a{{x}}b {{}}', { x: '' })).toEqual({ ok: true, text: 'ab {{}}' });
  });

  it('does not expand placeholders inside a value', () => {
    expect(renderTemplate('{{a}}', { a: '{{b}}', b: 'no' })).toEqual({ ok: true, text: '{{b}}' });
  });
});
