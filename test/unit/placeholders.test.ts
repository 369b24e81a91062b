import { describe, expect, it } from 'vitest';
import {
  missingKeys,
  placeholdersOf,
  placeholdersOfAll,
  placeholderUse,
  renderTemplate,
} from '#shared/domain/placeholders.ts';

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

describe('placeholderUse (create and preflight)', () => {
  const used = placeholdersOfAll([
    'Remind {{first_name}} of {{appointment_date}}.',
    null,
    'Hi {{first_name}}',
  ]);
  const row = (index: number, vars: Record<string, string>, checked = true) => ({ index, vars, checked });

  it("collects an agent's placeholders once, in order, skipping a missing first message", () => {
    expect(used).toEqual(['first_name', 'appointment_date']);
  });

  it('lists the rows lacking each used key, ascending, and only among the checked rows', () => {
    const use = placeholderUse(used, [
      row(0, { first_name: 'A', appointment_date: 'May 5' }),
      row(1, { first_name: 'B' }),
      row(2, {}),
      row(3, {}, false),
    ]);
    expect(use.missing).toEqual([
      { name: 'first_name', rows: [2] },
      { name: 'appointment_date', rows: [1, 2] },
    ]);
  });

  it('counts an empty value as given (it renders as empty), as the dial path does', () => {
    expect(missingKeys(used, { first_name: '', appointment_date: 'x' })).toEqual([]);
    expect(renderTemplate('Hi {{first_name}}', { first_name: '' })).toEqual({ ok: true, text: 'Hi ' });
  });

  it('names variables no placeholder uses, from every row, except the ignored ones', () => {
    const use = placeholderUse(
      used,
      [row(0, { first_name: 'A', notes: 'x', timezone: 'UTC' }), row(1, { plan: 'gold' }, false)],
      new Set(['timezone']),
    );
    expect(use.unused).toEqual(['notes', 'plan']);
    expect(use.used).toEqual(used);
  });

  it('reports nothing missing when the agent uses no placeholder', () => {
    expect(placeholderUse([], [row(0, {})])).toEqual({ used: [], missing: [], unused: [] });
  });
});
