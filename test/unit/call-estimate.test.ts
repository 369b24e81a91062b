import { describe, expect, it } from 'vitest';
import { ASSUMED_CALL_SECONDS, estimateCalls, type EstimateInput } from '#shared/domain/call-estimate.ts';
import type { CallingWindow } from '#shared/domain/calling-window.ts';

const NY = ['America/New_York'];
const LA = ['America/Los_Angeles'];
// 2026-12-05 is a Saturday; New York is at UTC-5 in December.
const SATURDAY_NOON = new Date('2026-12-05T12:00:00.000Z');
const weekdays = (start: string, end: string, excludeDates: string[] = []): CallingWindow => ({
  timezone: 'recipient',
  defaultTimezone: null,
  hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start, end }],
  excludeDates,
});
const input = (n: number, overrides: Partial<EstimateInput> = {}): EstimateInput => ({
  start: SATURDAY_NOON,
  recipientZones: Array.from({ length: n }, () => NY),
  window: null,
  maxConcurrentCalls: 10,
  callsPerSecond: 1,
  ...overrides,
});
const iso = (d: Date | null) => d?.toISOString() ?? null;
const ms = (d: Date | null) => d?.getTime() ?? Number.NaN;

describe('estimateCalls without a calling window', () => {
  it('starts at once and paces by the slots when they are tighter than calls_per_second', () => {
    // 10 slots of 100 s calls: 0.1 calls per second, so the 10th call starts 90 s in and ends 100 s later.
    const e = estimateCalls(input(10));
    expect(ASSUMED_CALL_SECONDS).toBe(100);
    expect(iso(e.firstCallAt)).toBe('2026-12-05T12:00:00.000Z');
    expect(iso(e.finishAt)).toBe('2026-12-05T12:03:10.000Z');
    expect(e.expectedCallMinutes).toBe(16.7);
  });

  it("paces by the caller number's calls_per_second when that is tighter", () => {
    // 200 slots would allow 2 calls a second; the number allows 1.
    const e = estimateCalls(input(61, { maxConcurrentCalls: 200 }));
    expect(iso(e.finishAt)).toBe('2026-12-05T12:02:40.000Z');
  });

  it('places nothing for no callable recipient', () => {
    expect(estimateCalls(input(0))).toEqual({ firstCallAt: null, finishAt: null, expectedCallMinutes: 0 });
  });
});

describe('estimateCalls inside a calling window', () => {
  it('waits for the first opening (Monday 09:00 in New York)', () => {
    const e = estimateCalls(input(10, { window: weekdays('09:00', '17:00') }));
    expect(iso(e.firstCallAt)).toBe('2026-12-07T14:00:00.000Z');
    expect(ms(e.finishAt) - ms(e.firstCallAt)).toBeLessThan(10 * 60_000);
    expect(e.expectedCallMinutes).toBe(16.7);
  });

  it('carries what one day cannot place over to the next opening', () => {
    // One hour at 0.1 calls per second places 360 calls; the other 140 go on Tuesday morning.
    const e = estimateCalls(input(500, { window: weekdays('09:00', '10:00') }));
    expect(iso(e.firstCallAt)).toBe('2026-12-07T14:00:00.000Z');
    expect(ms(e.finishAt)).toBeGreaterThan(Date.parse('2026-12-08T14:00:00Z'));
    expect(ms(e.finishAt)).toBeLessThan(Date.parse('2026-12-08T15:00:00Z'));
    expect(e.expectedCallMinutes).toBe(833.3);
  });

  it('opens each zone at its own local time', () => {
    const e = estimateCalls(
      input(0, { recipientZones: [LA, LA], window: weekdays('09:00', '17:00'), callsPerSecond: 1 }),
    );
    expect(iso(e.firstCallAt)).toBe('2026-12-07T17:00:00.000Z');
  });

  it('counts nothing for recipients whose window does not open within 30 days', () => {
    const mondaysOnly: CallingWindow = {
      ...weekdays('09:00', '17:00', ['2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28', '2027-01-04']),
      hours: [{ days: ['mon'], start: '09:00', end: '17:00' }],
    };
    expect(estimateCalls(input(5, { window: mondaysOnly }))).toEqual({
      firstCallAt: null,
      finishAt: null,
      expectedCallMinutes: 0,
    });
  });
});
