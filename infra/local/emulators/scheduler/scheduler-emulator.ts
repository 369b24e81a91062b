import { createServer } from 'node:http';
import { closeServer, describeError, listen } from '../../http-helpers.ts';
import { createScheduleApi } from './schedule-api.ts';
import {
  createScheduleFileWriter,
  readScheduleFile,
  scheduleKey,
  type StoredSchedule,
} from './schedule-file.ts';
import { createScheduleFiring, type SchedulerTargetRunner } from './schedule-firing.ts';
import { DEFAULT_GROUP } from './schedule-input.ts';

export type { DeadLetterMessage, SchedulerTargetRunner } from './schedule-firing.ts';

/**
 * EventBridge Scheduler on one machine: its restJson1 API (schedule-api.ts) for the real
 * @aws-sdk/client-scheduler, and the firing of one-time `at(...)` schedules at their time with the
 * target's retry policy, dead-letter queue and ActionAfterCompletion (schedule-firing.ts). Schedules
 * persist in a JSON file, so a scheduled batch survives a restart; one whose time passed while nothing
 * ran fires as soon as firing starts.
 */

export interface SchedulerEmulatorOptions {
  /** The JSON file schedules persist in; omitted → in memory (tests). */
  file?: string;
  port?: number;
  /** Schedule groups that exist besides `default`. */
  groups?: string[];
  /** First backoff before a retry (doubled per attempt, with jitter, up to retryMaxMs). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long stop() waits for running invocations before abandoning them. */
  stopTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface SchedulerEmulator {
  endpoint: string;
  /** Starts firing due schedules through `runner`. */
  startFiring(runner: SchedulerTargetRunner): void;
  /** A snapshot of the schedules, for tests and diagnostics. */
  schedules(): StoredSchedule[];
  stop(): Promise<void>;
}

export async function startSchedulerEmulator(
  options: SchedulerEmulatorOptions = {},
): Promise<SchedulerEmulator> {
  const log = options.log ?? ((message: string) => console.error(message));
  const schedules = new Map<string, StoredSchedule>();
  for (const schedule of options.file ? await readScheduleFile(options.file) : []) {
    schedules.set(scheduleKey(schedule.groupName, schedule.name), schedule);
  }
  const writer = options.file ? createScheduleFileWriter(options.file) : null;
  const persist = async () => {
    await writer?.write([...schedules.values()]);
  };

  const firing = createScheduleFiring({
    schedules,
    persist,
    retryBaseMs: options.retryBaseMs ?? 1_000,
    retryMaxMs: options.retryMaxMs ?? 60_000,
    log,
  });
  const server = createServer(
    createScheduleApi({
      schedules,
      groups: new Set([DEFAULT_GROUP, ...(options.groups ?? [])]),
      persist,
      changed: () => firing.arm(),
      log,
    }),
  );
  const { port } = await listen(server, options.port ?? 0, '127.0.0.1');

  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    startFiring: (runner) => firing.start(runner),
    schedules: () => structuredClone([...schedules.values()]),
    async stop() {
      if (stopped) return;
      stopped = true;
      await firing.stop(options.stopTimeoutMs ?? 5_000);
      await closeServer(server);
      // The last persisted state stays; a write still queued finishes on its own.
      await persist().catch((error: unknown) =>
        log(`[scheduler] could not save schedules: ${describeError(error)}`),
      );
    },
  };
}
