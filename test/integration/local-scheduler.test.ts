import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSchedulerClient } from '#shared/adapters/aws-clients.ts';
import {
  atExpression,
  createEventBridgeScheduler,
  startScheduleName,
} from '#shared/adapters/scheduler/eventbridge-scheduler.ts';
import { localFunctionArn } from '#infra/local/functions/invoke.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import {
  startSchedulerEmulator,
  type DeadLetterMessage,
  type SchedulerEmulator,
  type SchedulerEmulatorOptions,
} from '#infra/local/emulators/scheduler/scheduler-emulator.ts';
import { SCHEDULER } from '#infra/wiring.ts';
import { sleep, until } from '../helpers/wait.ts';

/** The real SchedulerClient, through the adapter, against the local scheduler. */

const TARGET = localFunctionArn('startBatch');
const ROLE = 'arn:aws:iam::000000000000:role/batch-calls-local-scheduler';
const DLQ = 'arn:aws:sqs:local:000000000000:scheduler-dlq';

let dir: string;
const running: Array<{ emulator: SchedulerEmulator; client: SchedulerClient }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-calls-scheduler-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    client.destroy();
    await emulator.stop();
  }
});

async function start(options: SchedulerEmulatorOptions = {}) {
  const emulator = await startSchedulerEmulator({
    groups: [SCHEDULER.groupName],
    retryBaseMs: 40,
    log: () => undefined,
    ...options,
  });
  const client = createSchedulerClient({
    endpoint: emulator.endpoint,
    region: LOCAL_SDK_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  running.push({ emulator, client });
  const scheduler = createEventBridgeScheduler({
    client,
    groupName: SCHEDULER.groupName,
    targetArn: TARGET,
    roleArn: ROLE,
    deadLetterArn: DLQ,
    retryPolicy: SCHEDULER.retryPolicy,
  });
  return { emulator, client, scheduler };
}

interface Fired {
  arn: string;
  event: unknown;
  at: number;
}

function recorder(fail: (attempt: number) => boolean = () => false) {
  const fired: Fired[] = [];
  const deadLetters: Array<{ arn: string; message: DeadLetterMessage }> = [];
  return {
    fired,
    deadLetters,
    runner: {
      invoke: async (arn: string, event: unknown) => {
        fired.push({ arn, event, at: Date.now() });
        if (fail(fired.length)) throw new Error(`attempt ${fired.length} failed`);
      },
      deadLetter: async (arn: string, message: DeadLetterMessage) => {
        deadLetters.push({ arn, message });
      },
    },
  };
}

function getSchedule(client: SchedulerClient, batchId: string) {
  return client.send(
    new GetScheduleCommand({ Name: startScheduleName(batchId), GroupName: SCHEDULER.groupName }),
  );
}

describe('at() expressions', () => {
  it('are UTC, rounded up to the next whole second so a batch never starts early', () => {
    expect(atExpression('2030-01-02T03:04:05Z')).toBe('at(2030-01-02T03:04:05)');
    expect(atExpression('2030-01-02T03:04:05.001Z')).toBe('at(2030-01-02T03:04:06)');
    expect(atExpression('2030-01-02T05:04:59.500+02:00')).toBe('at(2030-01-02T03:05:00)');
    expect(() => atExpression('tomorrow')).toThrow(/tomorrow/);
  });
});

describe('local EventBridge Scheduler', () => {
  it('creates the start schedule as the adapter describes it, tolerates a second create, deletes it', async () => {
    const { client, scheduler } = await start();
    await scheduler.scheduleStart({ workspaceId: 'ws_1', batchId: 'b1', at: '2030-05-06T07:08:09.250Z' });
    await scheduler.scheduleStart({ workspaceId: 'ws_1', batchId: 'b1', at: '2030-05-06T07:08:09.250Z' });

    const got = await getSchedule(client, 'b1');
    expect(got).toMatchObject({
      Name: 'start-b1',
      GroupName: SCHEDULER.groupName,
      Arn: `arn:aws:scheduler:local:000000000000:schedule/${SCHEDULER.groupName}/start-b1`,
      ScheduleExpression: 'at(2030-05-06T07:08:10)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: TARGET,
        RoleArn: ROLE,
        RetryPolicy: {
          MaximumRetryAttempts: SCHEDULER.retryPolicy.maximumRetryAttempts,
          MaximumEventAgeInSeconds: SCHEDULER.retryPolicy.maximumEventAgeInSeconds,
        },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
    expect(JSON.parse(got.Target?.Input ?? '')).toEqual({ workspaceId: 'ws_1', batchId: 'b1' });
    expect(got.CreationDate).toBeInstanceOf(Date);

    const list = await client.send(new ListSchedulesCommand({ GroupName: SCHEDULER.groupName }));
    expect(list.Schedules?.map((s) => s.Name)).toEqual(['start-b1']);

    await scheduler.cancelStart('b1');
    await expect(getSchedule(client, 'b1')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await scheduler.cancelStart('b1'); // Already gone: fine.
  });

  it('answers the SDK with its own exception types', async () => {
    const { client } = await start();
    const input: CreateScheduleCommandInput = {
      Name: 'direct',
      GroupName: SCHEDULER.groupName,
      ScheduleExpression: 'at(2030-01-01T00:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: TARGET, RoleArn: ROLE, Input: '{}' },
    };
    await client.send(new CreateScheduleCommand(input));
    const conflict = await client.send(new CreateScheduleCommand(input)).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictException);
    expect((conflict as Error).message).toMatch(/direct already exists/);

    const invalid = async (changes: Partial<CreateScheduleCommandInput>, message: RegExp) => {
      const error = await client
        .send(new CreateScheduleCommand({ ...input, Name: 'other', ...changes }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(message);
    };
    await invalid({ ScheduleExpression: 'at(2030-02-30T00:00:00)' }, /invalid date/);
    await invalid({ ScheduleExpression: 'at(2030-01-01 00:00:00)' }, /ScheduleExpression/);
    await invalid({ ScheduleExpression: 'rate(5 minutes)' }, /at\(\.\.\.\) schedules only/);
    await invalid({ ScheduleExpressionTimezone: 'Europe/Paris' }, /UTC only/);
    await invalid({ Target: { Arn: TARGET, RoleArn: 'not-a-role', Input: '{}' } }, /Target\.RoleArn/);
    await invalid({ Target: { Arn: TARGET, RoleArn: ROLE, Input: 'not json' } }, /Target\.Input/);
    await invalid(
      { Target: { Arn: TARGET, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 500 } } },
      /MaximumRetryAttempts/,
    );
    await invalid(
      { Target: { Arn: TARGET, RoleArn: ROLE, DeadLetterConfig: { Arn: 'arn:x' } } },
      /DeadLetterConfig/,
    );
    await invalid({ Name: 'has space' }, /Name/);
    const noGroup = await client
      .send(new CreateScheduleCommand({ ...input, GroupName: 'no-such-group' }))
      .catch((e: unknown) => e);
    expect(noGroup).toBeInstanceOf(ResourceNotFoundException);
    expect((noGroup as Error).message).toMatch(/no-such-group/);

    // UpdateSchedule replaces the definition of an existing schedule only.
    await client.send(new UpdateScheduleCommand({ ...input, ScheduleExpression: 'at(2031-01-01T00:00:00)' }));
    expect(
      (await client.send(new GetScheduleCommand({ Name: 'direct', GroupName: SCHEDULER.groupName })))
        .ScheduleExpression,
    ).toBe('at(2031-01-01T00:00:00)');
    await expect(
      client.send(new UpdateScheduleCommand({ ...input, Name: 'missing' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires at its time, not before, with the input as the event, then deletes the schedule', async () => {
    const { emulator, client, scheduler } = await start();
    const { fired, runner } = recorder();
    emulator.startFiring(runner);
    const requested = new Date(Date.now() + 1_200);
    const due = Math.ceil(requested.getTime() / 1000) * 1000;
    await scheduler.scheduleStart({ workspaceId: 'ws_1', batchId: 'b2', at: requested.toISOString() });
    await until(() => fired.length === 1, 4_000, 'the schedule to fire');
    const firedAt = fired[0]?.at ?? 0;
    expect(firedAt).toBeGreaterThanOrEqual(due);
    expect(firedAt).toBeGreaterThanOrEqual(requested.getTime());
    expect(firedAt - due).toBeLessThan(1_000);
    expect(fired[0]?.arn).toBe(TARGET);
    expect(fired[0]?.event).toEqual({ workspaceId: 'ws_1', batchId: 'b2' });
    await until(() => emulator.schedules().length === 0, 1_000, 'the schedule to delete itself');
    await expect(getSchedule(client, 'b2')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await sleep(300);
    expect(fired).toHaveLength(1);
  });

  it('keeps a completed schedule with ActionAfterCompletion NONE, without firing it again', async () => {
    const { emulator, client } = await start();
    const { fired, runner } = recorder();
    emulator.startFiring(runner);
    await client.send(
      new CreateScheduleCommand({
        Name: 'keep',
        ScheduleExpression: atExpression(new Date(Date.now() - 5_000)),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'NONE',
        Target: { Arn: TARGET, RoleArn: ROLE },
      }),
    );
    await until(() => fired.length === 1, 2_000, 'the past schedule to fire at once');
    expect(fired[0]?.event).toEqual({});
    await sleep(300);
    expect(fired).toHaveLength(1);
    expect((await client.send(new GetScheduleCommand({ Name: 'keep' }))).Name).toBe('keep');
  });

  it('retries a failing target per its RetryPolicy, then sends the event to the dead-letter queue', async () => {
    const { emulator, client } = await start();
    const { fired, deadLetters, runner } = recorder(() => true);
    emulator.startFiring(runner);
    await client.send(
      new CreateScheduleCommand({
        Name: 'failing',
        GroupName: SCHEDULER.groupName,
        ScheduleExpression: atExpression(new Date()),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: TARGET,
          RoleArn: ROLE,
          Input: '{"batchId":"b3"}',
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: DLQ },
        },
      }),
    );
    await until(() => deadLetters.length === 1, 4_000, 'the dead-letter message');
    expect(fired).toHaveLength(3); // The first attempt and two retries.
    const gaps = [(fired[1]?.at ?? 0) - (fired[0]?.at ?? 0), (fired[2]?.at ?? 0) - (fired[1]?.at ?? 0)];
    expect(gaps[0]).toBeGreaterThanOrEqual(20); // Backoff: 40 ms, then 80 ms, each with jitter down to half.
    expect(gaps[1]).toBeGreaterThanOrEqual(40);
    expect(deadLetters[0]?.arn).toBe(DLQ);
    expect(deadLetters[0]?.message.body).toBe('{"batchId":"b3"}');
    expect(deadLetters[0]?.message.attributes).toMatchObject({
      ERROR_MESSAGE: 'attempt 3 failed',
      RETRY_ATTEMPTS: '2',
      TARGET_ARN: TARGET,
    });
    expect(emulator.schedules()).toEqual([]);
  });

  it('ends a schedule whose dead-letter queue cannot be reached instead of firing it again', async () => {
    const logs: string[] = [];
    const second = await start({ log: (line) => logs.push(line) });
    let invocations = 0;
    second.emulator.startFiring({
      invoke: async () => {
        invocations++;
        throw new Error('down');
      },
      deadLetter: async () => {
        throw new Error('no such queue');
      },
    });
    await second.client.send(
      new CreateScheduleCommand({
        Name: 'lost',
        ScheduleExpression: atExpression(new Date()),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: TARGET,
          RoleArn: ROLE,
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: DLQ },
        },
      }),
    );
    await until(() => second.emulator.schedules().length === 0, 2_000, 'the schedule to end');
    await sleep(200);
    expect(invocations).toBe(1);
    expect(logs.join('\n')).toMatch(/could not send to .*no such queue/);
  });

  it('succeeds on a retry without reaching the dead-letter queue', async () => {
    const { emulator, scheduler } = await start();
    const { fired, deadLetters, runner } = recorder((attempt) => attempt === 1);
    emulator.startFiring(runner);
    await scheduler.scheduleStart({ workspaceId: 'ws_1', batchId: 'b4', at: new Date().toISOString() });
    await until(() => fired.length === 2 && emulator.schedules().length === 0, 4_000, 'the retry');
    await sleep(200);
    expect(fired).toHaveLength(2);
    expect(deadLetters).toEqual([]);
  });

  it('survives a restart with the same file, and fires what came due while it was down', async () => {
    const file = join(dir, 'schedules.json');
    const first = await start({ file });
    await first.scheduler.scheduleStart({
      workspaceId: 'ws_1',
      batchId: 'soon',
      // Far enough ahead that a slow restart still sees it not yet due (times round up to the second).
      at: new Date(Date.now() + 4_000).toISOString(),
    });
    await first.scheduler.scheduleStart({
      workspaceId: 'ws_1',
      batchId: 'missed',
      at: new Date(Date.now() + 200).toISOString(),
    });
    await first.scheduler.scheduleStart({
      workspaceId: 'ws_1',
      batchId: 'cancelled',
      at: new Date(Date.now() + 200).toISOString(),
    });
    await first.scheduler.cancelStart('cancelled');
    // Stopped before anything fired (it never started firing): "missed" comes due while nothing runs.
    const stopped = running.splice(0);
    for (const { emulator, client } of stopped) {
      client.destroy();
      await emulator.stop();
    }
    await sleep(1_100);

    const second = await start({ file });
    expect(
      second.emulator
        .schedules()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['start-missed', 'start-soon']);
    const { fired, runner } = recorder();
    const startedAt = Date.now();
    second.emulator.startFiring(runner);
    await until(() => fired.length === 1, 1_000, 'the missed schedule');
    expect(fired[0]?.event).toEqual({ workspaceId: 'ws_1', batchId: 'missed' });
    expect((fired[0]?.at ?? 0) - startedAt).toBeLessThan(500);
    await until(() => fired.length === 2, 6_000, 'the schedule still ahead');
    expect(fired[1]?.event).toEqual({ workspaceId: 'ws_1', batchId: 'soon' });
    await until(() => second.emulator.schedules().length === 0, 1_000, 'both to delete themselves');

    // What the second run did is in the file too.
    for (const { emulator, client } of running.splice(0)) {
      client.destroy();
      await emulator.stop();
    }
    const third = await start({ file });
    expect(third.emulator.schedules()).toEqual([]);
  });
});
