import type { Context } from 'aws-lambda';
import { sweep, type SweepReport } from '#shared/app/run/sweep.ts';
import { composeRunDeps } from '../lib/compose.ts';

/** Every minute: re-find lost work from the table (see shared/app/run/sweep.ts). */
const deps = composeRunDeps(undefined, 'batch-calls-sweeper');

export async function handler(_event: unknown, context: Context): Promise<SweepReport> {
  deps.logger.addContext(context);
  const report = await sweep(deps);
  if (Object.values(report).some((n) => n > 0)) deps.logger.info('sweep', { ...report });
  return report;
}
