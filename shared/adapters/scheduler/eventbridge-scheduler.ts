import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { BatchScheduler } from '../../ports/scheduler.ts';

export interface StartRetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
}

export interface EventBridgeSchedulerOptions {
  client: SchedulerClient;
  groupName: string;
  /** The startBatch function. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the target. */
  roleArn: string;
  /** Where an event goes once its retries are spent (an SQS queue). */
  deadLetterArn: string;
  /** The wiring's SCHEDULER.retryPolicy (infra/wiring.ts), the one AWS and local mode both use. */
  retryPolicy: StartRetryPolicy;
}

/** One schedule per batch, so cancelling a batch can find it by name. */
export function startScheduleName(batchId: string): string {
  return `start-${batchId}`;
}

/** One wake-up schedule per batch and second: a later, superseded one is left to fire into a no-op. */
export function wakeScheduleName(batchId: string, at: string): string {
  return `wake-${batchId}-${Math.ceil(Date.parse(at) / 1000)}`;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` for an instant, in UTC. Scheduler resolves whole seconds only, so the
 * time is rounded up: rounding down could start a batch before its scheduled_at.
 */
export function atExpression(instant: string | Date): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Not a valid time for a schedule: "${String(instant)}"`);
  const rounded = new Date(Math.ceil(ms / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}

export function createEventBridgeScheduler(options: EventBridgeSchedulerOptions): BatchScheduler {
  const { client, groupName } = options;
  const { retryPolicy } = options;
  async function createOnce(name: string, at: string, input: Record<string, string>): Promise<void> {
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: options.targetArn,
            RoleArn: options.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: {
              MaximumRetryAttempts: retryPolicy.maximumRetryAttempts,
              MaximumEventAgeInSeconds: retryPolicy.maximumEventAgeInSeconds,
            },
            DeadLetterConfig: { Arn: options.deadLetterArn },
          },
        }),
      );
    } catch (error) {
      // A retried create (or a second stream delivery) finds the schedule already there.
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  return {
    scheduleStart: ({ workspaceId, batchId, at }) =>
      createOnce(startScheduleName(batchId), at, { workspaceId, batchId }),
    scheduleWake: ({ workspaceId, batchId, at }) =>
      createOnce(wakeScheduleName(batchId, at), at, { workspaceId, batchId, wakeAt: at }),
    async cancelStart(batchId) {
      try {
        await client.send(
          new DeleteScheduleCommand({ Name: startScheduleName(batchId), GroupName: groupName }),
        );
      } catch (error) {
        // Already fired and deleted itself (ActionAfterCompletion DELETE), or never created.
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
