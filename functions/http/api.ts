import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { handleApiRequest } from '#shared/http/handle-api-request.ts';
import type { ApiEvent } from '#shared/http/api-request.ts';
import type { HttpResponse } from '#shared/http/respond.ts';
import { createPhoneTimezones } from '#shared/adapters/timezones/phone-timezones.ts';
import { composeRunDeps } from '../lib/compose.ts';
import { composeAppDeps } from '../lib/compose-app.ts';
import { composeTranscripts } from '../lib/compose-files.ts';
import { composeWebhookQueue } from '../lib/compose-queues.ts';
import { composeScheduler } from '../lib/compose-scheduler.ts';
import { composeSecrets } from '../lib/compose-secrets.ts';

/**
 * The API function: every route of the public API (infra/wiring.ts). Dependencies are built once per
 * cold start; `handleApiRequest` is the testable core.
 */
const config = loadRuntimeConfig();
const runDeps = composeRunDeps(config, 'batch-calls-api', {
  webhookQueue: composeWebhookQueue(config),
  scheduler: composeScheduler(config),
  secrets: composeSecrets(config),
  transcripts: composeTranscripts(config),
});
// Only this function resolves time zones (at create): the data ships with it alone (infra/wiring.ts).
const deps = composeAppDeps(runDeps, config, { phoneTimezones: createPhoneTimezones() });

export async function handler(event: ApiEvent, context: Context): Promise<HttpResponse> {
  runDeps.logger.addContext(context);
  return handleApiRequest(event, deps, runDeps.logger);
}
