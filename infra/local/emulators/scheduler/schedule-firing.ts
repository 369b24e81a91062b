import { randomUUID } from 'node:crypto';
import { describeError } from '../../http-helpers.ts';
import { startBacklogWatch, type BacklogWatch } from '../../triggers/backlog-watch.ts';
import { scheduleKey, type StoredSchedule } from './schedule-file.ts';

/**
 * The firing half of the local EventBridge Scheduler: one-time `at(...)` schedules fire at their time,
 * a failed invocation is retried with the target's retry policy (exponential backoff with jitter),
 * and one whose retries or event age are spent goes to the dead-letter queue; then
 * ActionAfterCompletion deletes it or marks it completed.
 */

export interface SchedulerTargetRunner {
  /** Invokes the target with the schedule's input as the event; rejects when the invocation fails. */
  invoke(targetArn: string, event: unknown): Promise<void>;
  /** Sends an event whose retries are spent to the dead-letter queue. */
  deadLetter(queueArn: string, message: DeadLetterMessage): Promise<void>;
}

export interface DeadLetterMessage {
  body: string;
  attributes: Record<string, string>;
}

export interface ScheduleFiringOptions {
  schedules: Map<string, StoredSchedule>;
  persist(): Promise<void>;
  retryBaseMs: number;
  retryMaxMs: number;
  log(message: string): void;
}

export interface ScheduleFiring {
  /** Starts firing due schedules through `runner`. */
  start(runner: SchedulerTargetRunner): void;
  /** Sets the timer for the earliest eligible schedule again (after a schedule changed). */
  arm(): void;
  /** Stops the timer; waits for running invocations up to `timeoutMs`, then abandons them. */
  stop(timeoutMs: number): Promise<void>;
}

/** setTimeout takes at most 2^31-1 ms; far schedules are re-armed on the way. */
const MAX_TIMER_MS = 60_000;

export function createScheduleFiring(options: ScheduleFiringOptions): ScheduleFiring {
  const { schedules, persist, retryBaseMs, retryMaxMs, log } = options;
  let runner: SchedulerTargetRunner | null = null;
  let watch: BacklogWatch | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const running = new Map<string, Promise<void>>();

  const nextTime = (s: StoredSchedule) => s.nextAttemptAt ?? s.dueAt;
  const eligible = (s: StoredSchedule) =>
    s.state === 'ENABLED' && !s.completed && !running.has(scheduleKey(s.groupName, s.name));

  function arm(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!runner || stopped) return;
    let earliest = Infinity;
    for (const s of schedules.values()) if (eligible(s)) earliest = Math.min(earliest, nextTime(s));
    if (earliest === Infinity) return;
    const delay = Math.min(Math.max(earliest - Date.now(), 0), MAX_TIMER_MS);
    timer = setTimeout(tick, delay);
  }

  function tick(): void {
    const now = Date.now();
    // A timer may wake a millisecond early: `<= now` keeps a schedule from firing before its time.
    for (const s of schedules.values()) if (eligible(s) && nextTime(s) <= now) fire(s);
    arm();
  }

  function fire(schedule: StoredSchedule): void {
    const key = scheduleKey(schedule.groupName, schedule.name);
    const attempt = (async () => {
      const current = runner;
      if (!current) return;
      let failure: unknown = null;
      try {
        const event: unknown = schedule.target.Input === undefined ? {} : JSON.parse(schedule.target.Input);
        await current.invoke(schedule.target.Arn, event);
      } catch (error) {
        failure = error;
      }
      // Deleted or replaced while it ran: the newer definition decides what happens next.
      if (schedules.get(key) !== schedule) return;
      schedule.attempts += 1;
      if (failure === null) {
        finish(schedule);
      } else {
        const ageSeconds = (Date.now() - schedule.dueAt) / 1000;
        const policy = schedule.target.RetryPolicy;
        const exhausted =
          schedule.attempts > policy.MaximumRetryAttempts || ageSeconds >= policy.MaximumEventAgeInSeconds;
        if (exhausted) {
          await sendToDeadLetter(current, schedule, failure);
          finish(schedule);
        } else {
          const ceiling = Math.min(retryBaseMs * 2 ** (schedule.attempts - 1), retryMaxMs);
          schedule.nextAttemptAt = Date.now() + ceiling / 2 + Math.random() * (ceiling / 2);
        }
      }
      await persist();
    })()
      .catch((error: unknown) => log(`[scheduler] ${schedule.name}: ${describeError(error)}`))
      .finally(() => {
        running.delete(key);
        arm();
      });
    running.set(key, attempt);
  }

  function finish(schedule: StoredSchedule): void {
    if (schedule.actionAfterCompletion === 'DELETE') {
      schedules.delete(scheduleKey(schedule.groupName, schedule.name));
    } else {
      schedule.completed = true;
      schedule.nextAttemptAt = null;
    }
  }

  async function sendToDeadLetter(
    current: SchedulerTargetRunner,
    schedule: StoredSchedule,
    failure: unknown,
  ): Promise<void> {
    const queueArn = schedule.target.DeadLetterConfig?.Arn;
    const reason = describeError(failure);
    if (!queueArn) {
      log(
        `[scheduler] ${schedule.name}: gave up after ${schedule.attempts} attempt(s), no dead-letter queue: ${reason}`,
      );
      return;
    }
    const error = failure instanceof Error ? failure : null;
    try {
      await current.deadLetter(queueArn, {
        body: schedule.target.Input ?? '{}',
        attributes: {
          ERROR_CODE: error?.name ?? 'Error',
          ERROR_MESSAGE: (error?.message ?? String(failure)).slice(0, 1000),
          EXECUTION_ID: randomUUID(),
          RETRY_ATTEMPTS: String(schedule.attempts - 1),
          SCHEDULE_ARN: schedule.arn,
          TARGET_ARN: schedule.target.Arn,
        },
      });
    } catch (sendError) {
      // The event is lost, as in AWS when the dead-letter queue is gone; the schedule still ends.
      log(
        `[scheduler] ${schedule.name}: could not send to ${queueArn}: ${describeError(sendError)}; gave up on: ${reason}`,
      );
    }
  }

  return {
    arm,
    start(target) {
      if (runner) throw new Error('The local scheduler is already firing');
      runner = target;
      arm();
      // Overdue schedules: enabled, due (retries included: the work waits since its due time), unfinished.
      watch = startBacklogWatch({
        label: '[scheduler]',
        intervalMs: 2_000,
        log,
        sample: () => {
          const now = Date.now();
          const overdue = [...schedules.values()].filter(
            (s) => s.state === 'ENABLED' && !s.completed && s.dueAt <= now,
          );
          if (overdue.length === 0) return { oldestSince: null };
          return {
            oldestSince: Math.min(...overdue.map((s) => s.dueAt)),
            detail: `${overdue.length} schedule(s) overdue, ${running.size} firing`,
          };
        },
      });
    },
    async stop(timeoutMs) {
      stopped = true;
      watch?.stop();
      clearTimeout(timer);
      const bound = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([Promise.allSettled(running.values()), bound]);
    },
  };
}
