import type { Context } from 'aws-lambda';
import { sweepUnderLease, type SweepReport } from '#shared/app/run/sweep.ts';
import { composeRunDeps } from '../lib/compose.ts';

/** Every minute: re-find lost work from the table (see shared/app/run/sweep.ts). */
const deps = composeRunDeps(undefined, 'batch-calls-sweeper');

export async function handler(_event: unknown, context: Context): Promise<SweepReport | 'busy'> {
  deps.logger.addContext(context);
  // The lease lasts as long as this invocation may: a sweep cut off by its timeout blocks no later one.
  const report = await sweepUnderLease(deps, context.awsRequestId, context.getRemainingTimeInMillis());
  if (report === 'busy') {
    deps.logger.info('another sweep is still running; this one is skipped');
    return report;
  }
  if (Object.values(report).some((n) => n > 0)) deps.logger.info('sweep', { ...report });
  return report;
}
