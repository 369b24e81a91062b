import { describe, expect, it } from 'vitest';
import { maskPhone, normalizeE164 } from '#shared/domain/phone.ts';

describe('normalizeE164', () => {
  it.each([
    ['+14155551234', '+14155551234'],
    ['+1 (415) 555-1234', '+14155551234'],
    ['  +1.415.555.1234 ', '+14155551234'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('accepts %j as %s', (input, e164) => {
    expect(normalizeE164(input)).toEqual({ ok: true, e164 });
  });

  it('refuses a number without the leading +, since its country would be a guess', () => {
    const check = normalizeE164('4155551234');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(/E\.164/);
  });

  it.each([
    ['+1415555', /8 to 15 digits|not a valid/],
    ['+999123456789', /not a valid/],
    ['+1 415 555 12a4', /only \+ and digits/],
    ['+1234567890123456', /8 to 15 digits/],
    ['+14155550000000', /not a valid|8 to 15/],
    ['', /E\.164/],
  ])('refuses %j', (input, message) => {
    const check = normalizeE164(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });
});

describe('maskPhone', () => {
  it('keeps only the last four digits readable', () => {
    const masked = maskPhone('+14155551234');
    expect(masked.endsWith('1234')).toBe(true);
    expect(masked).not.toContain('415555');
  });
});
