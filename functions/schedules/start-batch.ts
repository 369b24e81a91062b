import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { startBatch } from '#shared/app/run/start-batch.ts';
import { composeRunDeps } from '../lib/compose.ts';

/**
 * The target of a scheduled batch's one-time EventBridge Scheduler schedule. Scheduler delivers at
 * least once and retries on error: starting is a conditional write, so a second delivery is a no-op.
 */
const deps = composeRunDeps(undefined, 'batch-calls-start-batch');
const eventSchema = z.object({ workspaceId: z.string().min(1), batchId: z.string().min(1) });

export async function handler(event: unknown, context: Context): Promise<{ result: string }> {
  deps.logger.addContext(context);
  const { workspaceId, batchId } = eventSchema.parse(event);
  const result = await startBatch(deps, workspaceId, batchId);
  deps.logger.info('scheduled start', { workspaceId, batchId, result });
  return { result };
}
