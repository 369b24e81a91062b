import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { RecurringScheduleSpec } from '../../wiring.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../gateway/http-event.ts';
import { describeError } from '../http-helpers.ts';

/**
 * Plays an EventBridge rate rule for one RECURRING entry: invokes the function every interval with a
 * Scheduled Event. A run never overlaps the previous one: the next starts one interval after the
 * previous started, or as soon as it ends when it ran longer than that.
 */

export interface RecurringOptions {
  spec: RecurringScheduleSpec;
  /** Overrides spec.localIntervalMs (tests run a fast sweeper). */
  intervalMs?: number;
  /** Delay before the first run; defaults to the interval, capped at 5 s, so a restart recovers soon. */
  firstRunAfterMs?: number;
  invoke(event: ScheduledEvent): Promise<unknown>;
  stopTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface RecurringTimer {
  stop(): Promise<void>;
}

export function startRecurring(options: RecurringOptions): RecurringTimer {
  const { spec } = options;
  const intervalMs = options.intervalMs ?? spec.localIntervalMs;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `The interval of ${spec.function} must be a positive number of ms, got ${intervalMs}`,
    );
  }
  const log = options.log ?? ((message: string) => console.error(message));
  const ruleArn = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/batch-calls-local-${spec.function}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = () => {
    const startedAt = Date.now();
    running = (async () => {
      try {
        await options.invoke({
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: LOCAL_ACCOUNT_ID,
          time: new Date(startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: LOCAL_REGION,
          resources: [ruleArn],
          detail: {},
        });
      } catch (error) {
        log(`[recurring ${spec.function}] ${describeError(error)}`);
      }
    })().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(run, Math.max(0, startedAt + intervalMs - Date.now()));
    });
  };
  timer = setTimeout(run, options.firstRunAfterMs ?? Math.min(intervalMs, 5_000));

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (running) {
        const bound = new Promise<void>((resolve) =>
          setTimeout(resolve, options.stopTimeoutMs ?? 5_000).unref(),
        );
        await Promise.race([running, bound]);
      }
    },
  };
}
