import { CALLING_WINDOW_HORIZON_MS, isOpenAt, nextOpening, type CallingWindow } from './calling-window.ts';

/**
 * A preflight's time estimate (contract "Preflight"): when a batch's first call would start, when its
 * last would end, and how many call minutes it would use. A model, not a promise:
 *
 * - every call lasts ASSUMED_CALL_SECONDS (no retries, everybody answers);
 * - calls start at `rate` = min(the caller number's calls_per_second, max_concurrent_calls /
 *   ASSUMED_CALL_SECONDS) per second: whichever of pacing and the slots is tighter, in steady state;
 * - with a calling window, a recipient's calls start only while its window is open (time is walked in
 *   STEP_MS steps, so the figures are good to a few minutes); recipients whose window does not open
 *   within 30 days of the start are never dialed, as at run time, and count for nothing.
 */

/** The assumed average length of a call, answered or not (a typical short reminder call). */
export const ASSUMED_CALL_SECONDS = 100;
const STEP_MS = 5 * 60 * 1000;

export interface EstimateInput {
  /** When dialing would begin: `scheduled_at`, or now. */
  start: Date;
  /** The zones of each callable recipient (ignored without a window). */
  recipientZones: readonly (readonly string[])[];
  window: CallingWindow | null;
  maxConcurrentCalls: number;
  callsPerSecond: number;
}

export interface CallEstimate {
  /** null when no call would be placed. */
  firstCallAt: Date | null;
  finishAt: Date | null;
  /** Call minutes of the calls placed, to a tenth of a minute. */
  expectedCallMinutes: number;
}

const callMs = ASSUMED_CALL_SECONDS * 1000;

function callRatePerMs(input: EstimateInput): number {
  const perSecond = Math.min(input.callsPerSecond, input.maxConcurrentCalls / ASSUMED_CALL_SECONDS);
  return perSecond / 1000;
}

function result(placed: number, first: number | null, lastStart: number): CallEstimate {
  if (placed === 0 || first === null) return { firstCallAt: null, finishAt: null, expectedCallMinutes: 0 };
  return {
    firstCallAt: new Date(first),
    finishAt: new Date(lastStart + callMs),
    expectedCallMinutes: Math.round((placed * ASSUMED_CALL_SECONDS) / 6) / 10,
  };
}

export function estimateCalls(input: EstimateInput): CallEstimate {
  const total = input.recipientZones.length;
  const rate = callRatePerMs(input);
  const start = input.start.getTime();
  if (input.window === null) return result(total, start, start + (total - 1) / rate);
  return estimateInWindow(input, input.window, rate);
}

/** Recipients with the same zones open and close together: they are walked as one group. */
function groupByZones(recipientZones: readonly (readonly string[])[]) {
  const groups = new Map<string, { zones: readonly string[]; remaining: number }>();
  for (const zones of recipientZones) {
    const key = zones.join(',');
    const group = groups.get(key) ?? { zones, remaining: 0 };
    group.remaining += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

function estimateInWindow(input: EstimateInput, window: CallingWindow, rate: number): CallEstimate {
  const start = input.start.getTime();
  const horizon = start + CALLING_WINDOW_HORIZON_MS;
  let groups = groupByZones(input.recipientZones);
  let t = start;
  let first: number | null = null;
  let lastStart = start;
  let placed = 0;
  // Calls the rate allows in the current step (a fraction of one carries over to the next).
  let capacity = 0;
  while (groups.length > 0 && t <= horizon) {
    const open = groups.filter((g) => isOpenAt(window, g.zones, new Date(t)));
    if (open.length === 0) {
      // Jump to the earliest opening of any group still waiting; a group that never opens is dropped.
      const openings = groups.map((g) => nextOpening(window, g.zones, new Date(t), horizon - t));
      groups = groups.filter((_, i) => openings[i] !== null);
      const next = Math.min(...openings.filter((o): o is Date => o !== null).map((o) => o.getTime()));
      if (!Number.isFinite(next)) break;
      t = next;
      capacity = 0;
      continue;
    }
    first ??= t;
    capacity += rate * STEP_MS;
    let startedInStep = 0;
    for (const group of open) {
      const take = Math.min(group.remaining, Math.floor(capacity));
      group.remaining -= take;
      capacity -= take;
      startedInStep += take;
    }
    if (startedInStep > 0) {
      placed += startedInStep;
      // The calls of a step start one after another at the rate, from its beginning.
      lastStart = t + Math.min(STEP_MS, (startedInStep - 1) / rate);
    }
    // Only the fraction of a call carries over: a slot nobody could use is not banked for later.
    capacity -= Math.floor(capacity);
    groups = groups.filter((g) => g.remaining > 0);
    t += STEP_MS;
  }
  return result(placed, first, lastStart);
}
