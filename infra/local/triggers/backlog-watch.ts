/**
 * Says so when a local trigger has had work waiting too long. Lambda's own event sources are watched
 * by CloudWatch (IteratorAge of a stream source, ApproximateAgeOfOldestMessage of a queue); locally
 * a stalled poller used to be silent, with batches stuck in `pending` or `running` and nothing in the
 * log. A watch samples how long the oldest unprocessed piece of work of one trigger has waited,
 * warns once it passes the threshold, repeats the warning while it lasts, and says when it cleared.
 */

export interface BacklogSample {
  /** Since when (epoch ms) the oldest work not yet processed has been waiting; null when none waits. */
  oldestSince: number | null;
  /** What the trigger is doing (e.g. "invoking tableStream for 42 s"), named in the warning. */
  detail?: string;
}

export interface BacklogAlarmOptions {
  /** Names the trigger in the log, e.g. "[stream tableStream]". */
  label: string;
  /** Work older than this is late (10 s unless given). */
  thresholdMs?: number;
  /** How often the warning repeats while the work stays late (30 s unless given). */
  repeatMs?: number;
  log: (message: string) => void;
}

export interface BacklogAlarm {
  /** Feeds one sample taken at `now`. */
  observe(now: number, sample: BacklogSample): void;
  /** Whether the last sample was late. */
  readonly late: boolean;
}

export const BACKLOG_THRESHOLD_MS = 10_000;
export const BACKLOG_REPEAT_MS = 30_000;

/** The warning logic alone, with no timer or clock of its own, so a test can drive it. */
export function createBacklogAlarm(options: BacklogAlarmOptions): BacklogAlarm {
  const thresholdMs = options.thresholdMs ?? BACKLOG_THRESHOLD_MS;
  const repeatMs = options.repeatMs ?? BACKLOG_REPEAT_MS;
  let lateSince: number | null = null;
  let warnedAt = 0;
  let worst = 0;
  return {
    get late() {
      return lateSince !== null;
    },
    observe(now, sample) {
      const age = sample.oldestSince === null ? 0 : Math.max(0, now - sample.oldestSince);
      if (age > thresholdMs) {
        worst = Math.max(worst, age);
        if (lateSince === null || now - warnedAt >= repeatMs) {
          lateSince ??= now;
          warnedAt = now;
          const detail = sample.detail ? `; ${sample.detail}` : '';
          options.log(
            `${options.label} WARNING: work has been waiting for ${seconds(age)} (over ${seconds(thresholdMs)})${detail}`,
          );
        }
        return;
      }
      if (lateSince !== null) {
        options.log(
          `${options.label} resumed: no work waiting over ${seconds(thresholdMs)} (it was late for ${seconds(now - lateSince)}, the oldest waited ${seconds(worst)})`,
        );
        lateSince = null;
        worst = 0;
      }
    },
  };
}

export interface BacklogWatchOptions extends BacklogAlarmOptions {
  /** Takes one sample; a failed sample is skipped (the trigger logs its own errors). */
  sample(): Promise<BacklogSample> | BacklogSample;
  /** How often to sample (1 s unless given). */
  intervalMs?: number;
  /** A sample taking longer is abandoned (5 s unless given): the watch itself never waits forever. */
  sampleTimeoutMs?: number;
  now?: () => number;
}

export interface BacklogWatch {
  stop(): void;
}

/** Samples on a timer that never keeps the process alive; one sample at a time. */
export function startBacklogWatch(options: BacklogWatchOptions): BacklogWatch {
  const alarm = createBacklogAlarm(options);
  const now = options.now ?? Date.now;
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    let bound: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      bound = setTimeout(() => reject(new Error('sample timed out')), options.sampleTimeoutMs ?? 5_000);
    });
    Promise.race([Promise.resolve().then(() => options.sample()), abandoned])
      .then((sample) => {
        if (!stopped) alarm.observe(now(), sample);
      })
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(bound);
        busy = false;
      });
  }, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
