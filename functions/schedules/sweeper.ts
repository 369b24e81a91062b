import type { Context } from 'aws-lambda';
import { sweepUnderLease, type SweepReport } from '#shared/app/run/sweep.ts';
import { dialerFor } from '#shared/adapters/telephony/registry.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeTranscripts } from '../lib/compose-files.ts';
import { composeDialQueue, composeWebhookQueue } from '../lib/compose-queues.ts';
import { composeSecrets } from '../lib/compose-secrets.ts';
import { traced } from '../lib/tracing.ts';

/** Every minute: re-find lost work from the table (see shared/app/run/sweep.ts). */
const config = loadRuntimeConfig();
const deps = composeRunDeps(config, 'batch-calls-sweeper', {
  dialQueue: composeDialQueue(config),
  webhookQueue: composeWebhookQueue(config),
  secrets: composeSecrets(config),
  transcripts: composeTranscripts(config),
  dialerFor,
});

async function handle(_event: unknown, context: Context): Promise<SweepReport | 'busy'> {
  deps.logger.addContext(context);
  // The lease lasts as long as this invocation may: a sweep cut off by its timeout blocks no later one.
  const report = await sweepUnderLease(
    deps,
    context.awsRequestId,
    context.getRemainingTimeInMillis(),
  ).finally(() => deps.metrics.flush());
  if (report === 'busy') {
    deps.logger.info('another sweep is still running; this one is skipped');
    return report;
  }
  if (Object.values(report).some((n) => n > 0)) deps.logger.info('sweep', { ...report });
  return report;
}

export const handler = traced('sweeper', handle);
