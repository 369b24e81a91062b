import { describe, expect, it } from 'vitest';
import {
  attemptsInWindow,
  CONTACT_HISTORY,
  contactDecision,
  prunedAttempts,
  type ContactAttempt,
} from '#shared/domain/contact-limit.ts';
import { validateContactLimit } from '#shared/contracts/campaign.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const attempts = (...hoursAgo: number[]): ContactAttempt[] =>
  hoursAgo.map((h, i) => ({ key: `r${i}:1`, atMs: NOW - h * HOUR }));

describe('contact limit rules', () => {
  it('allows an attempt while fewer than max_attempts fall in the rolling window', () => {
    const limit = { maxAttempts: 2, windowHours: 24 };
    expect(contactDecision(limit, [], NOW)).toEqual({ allowed: true });
    expect(contactDecision(limit, attempts(1), NOW)).toEqual({ allowed: true });
    // One attempt just outside the window (exactly 24 h ago) no longer counts.
    expect(contactDecision(limit, attempts(24, 1), NOW)).toEqual({ allowed: true });
  });

  it('refuses at the limit, until the attempt that must age out has', () => {
    const limit = { maxAttempts: 2, windowHours: 24 };
    // Attempts 20 h and 1 h ago: the next is allowed when the 20 h one leaves the window (in 4 h).
    expect(contactDecision(limit, attempts(1, 20), NOW)).toEqual({
      allowed: false,
      allowedAtMs: NOW + 4 * HOUR,
    });
    // Three in the window with a limit of 2: the two oldest must age out, so the middle one decides.
    expect(contactDecision(limit, attempts(20, 10, 1), NOW)).toEqual({
      allowed: false,
      allowedAtMs: NOW + 14 * HOUR,
    });
    // At that moment it is allowed.
    expect(contactDecision(limit, attempts(20, 10, 1), NOW + 14 * HOUR)).toEqual({ allowed: true });
  });

  it('counts the attempts in a window', () => {
    expect(attemptsInWindow({ maxAttempts: 1, windowHours: 2 }, attempts(3, 1.5, 0.1), NOW)).toBe(2);
  });

  it('prunes attempts older than the longest window and beyond the newest kept', () => {
    expect(prunedAttempts(attempts(1, 721, 719), NOW)).toEqual(['r1:1']);
    const many = Array.from({ length: CONTACT_HISTORY.keep + 3 }, (_, i) => ({
      key: `k${i}`,
      atMs: NOW - i,
    }));
    expect(prunedAttempts(many, NOW)).toEqual(['k100', 'k101', 'k102']);
    // What pruning leaves decides any limit exactly as the whole history did.
    const limit = { maxAttempts: CONTACT_HISTORY.keep, windowHours: 720 };
    const kept = many.filter((a) => !prunedAttempts(many, NOW).includes(a.key));
    expect(contactDecision(limit, kept, NOW)).toEqual(contactDecision(limit, many, NOW));
  });
});

describe('contact_limit field', () => {
  it('takes max_attempts 1–100 and window_hours 1–720, whole numbers, both required', () => {
    expect(validateContactLimit({ max_attempts: 2, window_hours: 24 })).toEqual({
      ok: true,
      value: { maxAttempts: 2, windowHours: 24 },
    });
    for (const bad of [
      { max_attempts: 0, window_hours: 24 },
      { max_attempts: 101, window_hours: 24 },
      { max_attempts: 2, window_hours: 721 },
      { max_attempts: 2, window_hours: 1.5 },
      { max_attempts: 2 },
      { max_attempts: 2, window_hours: 24, extra: 1 },
    ]) {
      const check = validateContactLimit(bad);
      expect(check.ok, JSON.stringify(bad)).toBe(false);
      if (!check.ok) expect(check.issues[0]?.path).toMatch(/^contact_limit/);
    }
  });
});
