import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { onWake } from '#shared/app/run/dispatch.ts';
import { startBatch } from '#shared/app/run/start-batch.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeDialQueue } from '../lib/compose-queues.ts';
import { traced } from '../lib/tracing.ts';

/**
 * The target of the one-time EventBridge Scheduler schedules: a scheduled batch's start, and a
 * waiting batch's wake-up (`wakeAt`: its earliest due recipient). Scheduler delivers at least once and
 * retries on error: starting is a conditional write and a wake-up only tops dial turns up, so a second
 * delivery is a no-op.
 */
const config = loadRuntimeConfig();
const deps = composeRunDeps(config, 'batch-calls-start-batch', { dialQueue: composeDialQueue(config) });
const eventSchema = z.object({
  workspaceId: z.string().min(1),
  batchId: z.string().min(1),
  wakeAt: z.iso.datetime().optional(),
});

async function handle(event: unknown, context: Context): Promise<{ result: string }> {
  deps.logger.addContext(context);
  const { workspaceId, batchId, wakeAt } = eventSchema.parse(event);
  if (wakeAt) {
    const dialed = await onWake(deps, workspaceId, batchId, wakeAt);
    deps.logger.info('wake-up', { workspaceId, batchId, wakeAt, dialed });
    return { result: `woke:${dialed}` };
  }
  const result = await startBatch(deps, workspaceId, batchId);
  deps.logger.info('scheduled start', { workspaceId, batchId, result });
  return { result };
}

export const handler = traced('startBatch', handle);
