import { createSchedulerClient } from '#shared/adapters/scheduler/scheduler-client.ts';
import { createEventBridgeScheduler } from '#shared/adapters/scheduler/eventbridge-scheduler.ts';
import { ENV } from '#shared/config/env-names.ts';
import type { RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { BatchScheduler } from '#shared/ports/scheduler.ts';
import { SCHEDULER } from '#infra/scheduler-settings.ts';
import { traceClient } from './tracing.ts';

/** The one-time start and wake-up schedules (wiring `scheduler: true`). */
export function composeScheduler(config: RuntimeConfig): BatchScheduler {
  const s = config.scheduler;
  if (!s) throw new Error(`${ENV.schedulerTargetArn} and the other scheduler settings are not set`);
  return createEventBridgeScheduler({
    client: traceClient(createSchedulerClient()),
    groupName: s.groupName,
    targetArn: s.targetArn,
    roleArn: s.roleArn,
    deadLetterArn: s.deadLetterArn,
    retryPolicy: SCHEDULER.retryPolicy,
  });
}
