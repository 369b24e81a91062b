/**
 * The contact limit across batches (contract "Contact limit across batches"): one phone gets at most
 * `maxAttempts` call attempts in any rolling `windowHours`, counting every batch of the workspace.
 * Pure rules over a phone's contact history (the times of its recent attempts); the run path keeps
 * that history in one item per phone and decides, then claims, against the version it read.
 */

export interface ContactLimit {
  /** 1–100 attempts. */
  maxAttempts: number;
  /** 1–720 hours. */
  windowHours: number;
}

export const CONTACT_LIMITS = {
  maxAttempts: { min: 1, max: 100 },
  windowHours: { min: 1, max: 720 },
} as const;

/**
 * How much history a phone keeps. Any limit is decided exactly by its newest `maxAttempts.max`
 * attempts within `windowHours.max`: an older or further one can neither make the count reach a limit
 * nor move the time it is allowed again. So the history is pruned to that, which bounds its item.
 */
export const CONTACT_HISTORY = {
  keep: CONTACT_LIMITS.maxAttempts.max,
  maxAgeMs: CONTACT_LIMITS.windowHours.max * 3_600_000,
} as const;

/** One recorded attempt: which attempt (`<recipient id>:<attempt>`) and when it was claimed. */
export interface ContactAttempt {
  key: string;
  atMs: number;
}

export type ContactDecision = { allowed: true } | { allowed: false; allowedAtMs: number };

/**
 * Whether one more attempt may start at `nowMs`. Not allowed: the earliest time it is, when enough of
 * the attempts in the window have aged out of it (the (n − max + 1)-th newest one plus the window).
 */
export function contactDecision(
  limit: ContactLimit,
  history: readonly ContactAttempt[],
  nowMs: number,
): ContactDecision {
  const windowMs = limit.windowHours * 3_600_000;
  const inWindow = history
    .map((a) => a.atMs)
    .filter((at) => at > nowMs - windowMs)
    .sort((a, b) => a - b);
  if (inWindow.length < limit.maxAttempts) return { allowed: true };
  const oldestThatMustAge = inWindow[inWindow.length - limit.maxAttempts] ?? nowMs;
  return { allowed: false, allowedAtMs: oldestThatMustAge + windowMs };
}

/** The attempts to drop from a history: older than the longest window, or beyond the newest kept. */
export function prunedAttempts(history: readonly ContactAttempt[], nowMs: number): string[] {
  const newestFirst = [...history].sort((a, b) => b.atMs - a.atMs);
  return newestFirst
    .filter((a, rank) => rank >= CONTACT_HISTORY.keep || a.atMs <= nowMs - CONTACT_HISTORY.maxAgeMs)
    .map((a) => a.key);
}

/** How many of `history`'s attempts count against `limit` at `nowMs` (preflight's report). */
export function attemptsInWindow(
  limit: ContactLimit,
  history: readonly ContactAttempt[],
  nowMs: number,
): number {
  return history.filter((a) => a.atMs > nowMs - limit.windowHours * 3_600_000).length;
}
