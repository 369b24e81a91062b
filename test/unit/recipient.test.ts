import { describe, expect, it } from 'vitest';
import { validateRecipient } from '#shared/contracts/recipient.ts';

function issuesOf(raw: unknown, path = 'recipients[0]') {
  const check = validateRecipient(raw, path);
  if (check.ok) throw new Error('expected the recipient to be refused');
  return check.issues;
}

describe('validateRecipient', () => {
  it('stores the canonical E.164 number and the declared variables', () => {
    expect(
      validateRecipient(
        { phone: '+1 (415) 555-1234', dynamic_vars: { name: 'Alice', age: 30, vip: true } },
        'recipients[0]',
      ),
    ).toEqual({
      ok: true,
      value: {
        phone: '+14155551234',
        dynamicVars: { name: 'Alice', age: 30, vip: true },
        path: 'recipients[0]',
      },
    });
  });

  it('turns any other field of the recipient into a variable too', () => {
    expect(
      validateRecipient({ phone: '+14155551234', first_name: 'Alice', dynamic_vars: { plan: 'gold' } }, 'r'),
    ).toEqual({
      ok: true,
      value: { phone: '+14155551234', dynamicVars: { plan: 'gold', first_name: 'Alice' }, path: 'r' },
    });
  });

  it('accepts a recipient without variables, and dynamic_vars: null as none', () => {
    expect(validateRecipient({ phone: '+14155551234' }, 'r')).toEqual({
      ok: true,
      value: { phone: '+14155551234', dynamicVars: {}, path: 'r' },
    });
    expect(validateRecipient({ phone: '+14155551234', dynamic_vars: null }, 'r')).toEqual({
      ok: true,
      value: { phone: '+14155551234', dynamicVars: {}, path: 'r' },
    });
  });

  it('names a variable holding an object, an array or null', () => {
    expect(
      issuesOf(
        { phone: '+14155551234', dynamic_vars: { address: { city: 'x' }, tags: ['a'], none: null } },
        'recipients[2]',
      ),
    ).toEqual([
      { path: 'recipients[2].dynamic_vars.address', message: 'must be a string, number or boolean' },
      { path: 'recipients[2].dynamic_vars.tags', message: 'must be a string, number or boolean' },
      { path: 'recipients[2].dynamic_vars.none', message: 'must be a string, number or boolean' },
    ]);
  });

  it('applies the same value rules to top-level extra fields', () => {
    expect(issuesOf({ phone: '+14155551234', address: { city: 'x' } }, 'recipients[1]')).toEqual([
      { path: 'recipients[1].address', message: 'must be a string, number or boolean' },
    ]);
  });

  it('refuses a key given both ways', () => {
    expect(issuesOf({ phone: '+14155551234', name: 'A', dynamic_vars: { name: 'B' } })).toEqual([
      { path: 'recipients[0].name', message: expect.stringMatching(/also given in dynamic_vars/) },
    ]);
  });

  it('enforces key and value limits', () => {
    const issues = issuesOf({
      phone: '+14155551234',
      dynamic_vars: {
        ['k'.repeat(101)]: 'x',
        '': 'x',
        'a{b': 'x',
        ok: 'v'.repeat(1001),
        fine: 'v'.repeat(1000),
      },
    });
    expect(issues).toEqual([
      {
        path: `recipients[0].dynamic_vars.${'k'.repeat(101)}`,
        message: expect.stringMatching(/at most 100/),
      },
      { path: 'recipients[0].dynamic_vars.', message: expect.stringMatching(/must not be empty/) },
      { path: 'recipients[0].dynamic_vars.a{b', message: expect.stringMatching(/\{ or \}/) },
      { path: 'recipients[0].dynamic_vars.ok', message: expect.stringMatching(/at most 1,000 characters/) },
    ]);
  });

  it('accepts a key of exactly 100 characters and a value of exactly 1,000', () => {
    const check = validateRecipient({ phone: '+14155551234', ['k'.repeat(100)]: 'v'.repeat(1000) }, 'r');
    expect(check.ok).toBe(true);
  });

  it('reports every issue of the recipient at once', () => {
    expect(issuesOf({ phone: '4155551234', dynamic_vars: 'nope', extra: [1] })).toEqual([
      { path: 'recipients[0].phone', message: expect.stringMatching(/E\.164/) },
      { path: 'recipients[0].dynamic_vars', message: 'must be an object' },
      { path: 'recipients[0].extra', message: 'must be a string, number or boolean' },
    ]);
  });

  it('requires a phone string', () => {
    expect(issuesOf({ name: 'x' })).toEqual([{ path: 'recipients[0].phone', message: 'is required' }]);
    expect(issuesOf({ phone: 14155551234 })).toEqual([
      { path: 'recipients[0].phone', message: 'must be a string' },
    ]);
    expect(issuesOf({ phone: '+999123456789' })[0]?.path).toBe('recipients[0].phone');
  });

  it('refuses a recipient that is not an object', () => {
    for (const raw of ['+14155551234', null, [], 5]) {
      expect(issuesOf(raw, 'recipients[4]')).toEqual([
        { path: 'recipients[4]', message: expect.any(String) },
      ]);
    }
  });

  it('refuses __proto__ as a variable name and never changes the prototype', () => {
    const raw: unknown = JSON.parse('{"phone": "+14155551234", "__proto__": {"polluted": "yes"}}');
    expect(issuesOf(raw)).toEqual([{ path: 'recipients[0].__proto__', message: 'is a reserved name' }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
