import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../gateway/http-event.ts';
import { startBacklogWatch, type BacklogWatch } from '../../triggers/backlog-watch.ts';
import { createScheduleFileWriter, readScheduleFile, type StoredSchedule } from './schedule-file.ts';
import {
  DEFAULT_GROUP,
  parseScheduleDefinition,
  SchedulerValidationError,
  validateGroupName,
  validateScheduleName,
  type ScheduleDefinition,
} from './schedule-input.ts';

/**
 * EventBridge Scheduler on one machine: its restJson1 API (CreateSchedule, GetSchedule,
 * UpdateSchedule, DeleteSchedule, ListSchedules) for the real @aws-sdk/client-scheduler, and the
 * firing of one-time `at(...)` schedules at their time with the target's retry policy, dead-letter
 * queue and ActionAfterCompletion. Schedules persist in a JSON file, so a scheduled batch survives a
 * restart; one whose time passed while nothing ran fires as soon as firing starts.
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

/** setTimeout takes at most 2^31-1 ms; far schedules are re-armed on the way. */
const MAX_TIMER_MS = 60_000;

export async function startSchedulerEmulator(
  options: SchedulerEmulatorOptions = {},
): Promise<SchedulerEmulator> {
  const groups = new Set([DEFAULT_GROUP, ...(options.groups ?? [])]);
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const log = options.log ?? ((message: string) => console.error(message));
  const schedules = new Map<string, StoredSchedule>();
  for (const schedule of options.file ? await readScheduleFile(options.file) : []) {
    schedules.set(keyOf(schedule.groupName, schedule.name), schedule);
  }
  const writer = options.file ? createScheduleFileWriter(options.file) : null;
  const persist = async () => {
    await writer?.write([...schedules.values()]);
  };

  let runner: SchedulerTargetRunner | null = null;
  let watch: BacklogWatch | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const running = new Map<string, Promise<void>>();

  const nextTime = (s: StoredSchedule) => s.nextAttemptAt ?? s.dueAt;
  const eligible = (s: StoredSchedule) =>
    s.state === 'ENABLED' && !s.completed && !running.has(keyOf(s.groupName, s.name));

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
    const key = keyOf(schedule.groupName, schedule.name);
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
      .catch((error: unknown) => log(`[scheduler] ${schedule.name}: ${describe(error)}`))
      .finally(() => {
        running.delete(key);
        arm();
      });
    running.set(key, attempt);
  }

  function finish(schedule: StoredSchedule): void {
    if (schedule.actionAfterCompletion === 'DELETE') {
      schedules.delete(keyOf(schedule.groupName, schedule.name));
    } else {
      schedule.completed = true;
      schedule.nextAttemptAt = null;
    }
  }

  async function sendToDeadLetter(
    current: SchedulerTargetRunner,
    schedule: StoredSchedule,
    failure: unknown,
  ) {
    const queueArn = schedule.target.DeadLetterConfig?.Arn;
    const reason = describe(failure);
    if (!queueArn) {
      log(
        `[scheduler] ${schedule.name}: gave up after ${schedule.attempts} attempt(s), no dead-letter queue: ${reason}`,
      );
      return;
    }
    const error = failure instanceof Error ? failure : null;
    try {
      await sendDeadLetter(current, queueArn, schedule, error, failure);
    } catch (sendError) {
      // The event is lost, as in AWS when the dead-letter queue is gone; the schedule still ends.
      log(
        `[scheduler] ${schedule.name}: could not send to ${queueArn}: ${describe(sendError)}; gave up on: ${reason}`,
      );
    }
  }

  async function sendDeadLetter(
    current: SchedulerTargetRunner,
    queueArn: string,
    schedule: StoredSchedule,
    error: Error | null,
    failure: unknown,
  ): Promise<void> {
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
  }

  // --- the API ------------------------------------------------------------------------------

  function store(
    name: string,
    definition: ScheduleDefinition,
    existing: StoredSchedule | null,
  ): StoredSchedule {
    const now = Date.now();
    const schedule: StoredSchedule = {
      ...definition,
      name,
      arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:schedule/${definition.groupName}/${name}`,
      creationDate: existing?.creationDate ?? now,
      lastModificationDate: now,
      attempts: 0,
      nextAttemptAt: null,
      completed: false,
    };
    schedules.set(keyOf(definition.groupName, name), schedule);
    return schedule;
  }

  function requireGroup(groupName: string): void {
    if (!groups.has(groupName))
      throw new ApiError(404, 'ResourceNotFoundException', `Schedule group ${groupName} does not exist.`);
  }

  function find(name: string, groupName: string): StoredSchedule {
    const schedule = schedules.get(keyOf(groupName, name));
    if (!schedule) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return schedule;
  }

  async function route(method: string, url: URL, body: unknown): Promise<unknown> {
    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (segments[0] !== 'schedules' || segments.length > 2) {
      throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} ${url.pathname}`);
    }
    if (segments.length === 1) {
      if (method !== 'GET')
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} /schedules`);
      return list(url.searchParams);
    }
    const name = validateScheduleName(decodeURIComponent(segments[1] ?? ''));
    switch (method) {
      case 'POST': {
        const definition = parseScheduleDefinition(body);
        requireGroup(definition.groupName);
        if (schedules.has(keyOf(definition.groupName, name))) {
          throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
        }
        const created = store(name, definition, null);
        await persist();
        arm();
        return { ScheduleArn: created.arn };
      }
      case 'PUT': {
        const definition = parseScheduleDefinition(body);
        const existing = find(name, definition.groupName);
        const updated = store(name, definition, existing);
        await persist();
        arm();
        return { ScheduleArn: updated.arn };
      }
      case 'GET':
        return describeSchedule(
          find(name, validateGroupName(url.searchParams.get('groupName') ?? undefined, 'groupName')),
        );
      case 'DELETE': {
        const schedule = find(
          name,
          validateGroupName(url.searchParams.get('groupName') ?? undefined, 'groupName'),
        );
        schedules.delete(keyOf(schedule.groupName, schedule.name));
        await persist();
        arm();
        return {};
      }
      default:
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} ${url.pathname}`);
    }
  }

  function list(query: URLSearchParams): unknown {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const max = Number(query.get('MaxResults') ?? '100');
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new SchedulerValidationError('MaxResults must be an integer from 1 to 100');
    }
    const start = Number(query.get('NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0) throw new SchedulerValidationError('NextToken is not valid');
    const matching = [...schedules.values()]
      .filter((s) => (group === null || s.groupName === group) && s.name.startsWith(prefix))
      .filter((s) => state === null || s.state === state)
      .sort((a, b) => keyOf(a.groupName, a.name).localeCompare(keyOf(b.groupName, b.name)));
    const page = matching.slice(start, start + max);
    return {
      Schedules: page.map((s) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.groupName,
        State: s.state,
        CreationDate: s.creationDate / 1000,
        LastModificationDate: s.lastModificationDate / 1000,
        Target: { Arn: s.target.Arn },
      })),
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`[scheduler] ${req.method} ${req.url}: ${describe(error)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', 'Internal error');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const raw = await readBody(req);
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          throw new SchedulerValidationError('The request body is not valid JSON');
        }
      }
      sendJson(res, 200, await route(req.method ?? 'GET', url, body));
    } catch (error) {
      if (error instanceof ApiError) sendError(res, error.status, error.code, error.message);
      else if (error instanceof SchedulerValidationError)
        sendError(res, 400, 'ValidationException', error.message);
      else throw error;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    startFiring(target) {
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
    schedules: () => structuredClone([...schedules.values()]),
    async stop() {
      if (stopped) return;
      stopped = true;
      watch?.stop();
      clearTimeout(timer);
      const bound = new Promise<void>((resolve) =>
        setTimeout(resolve, options.stopTimeoutMs ?? 5_000).unref(),
      );
      await Promise.race([Promise.allSettled(running.values()), bound]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // The last persisted state stays; a write still queued finishes on its own.
      await persist().catch((error: unknown) =>
        log(`[scheduler] could not save schedules: ${describe(error)}`),
      );
    },
  };
}

function keyOf(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function describeSchedule(s: StoredSchedule): unknown {
  return {
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.scheduleExpression,
    ScheduleExpressionTimezone: s.timezone,
    State: s.state,
    ...(s.description === null ? {} : { Description: s.description }),
    CreationDate: s.creationDate / 1000,
    LastModificationDate: s.lastModificationDate / 1000,
    Target: s.target,
    FlexibleTimeWindow: s.flexibleTimeWindow,
    ActionAfterCompletion: s.actionAfterCompletion,
  };
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SchedulerValidationError('The request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

/** restJson1 errors: the type in `x-amzn-errortype`, the message in the body. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { Message: message }, { 'x-amzn-errortype': code });
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
