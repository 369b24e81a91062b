import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { dialerFor, verifierFor } from '#shared/adapters/telephony/registry.ts';
import { dialRecipient } from '#shared/app/run/dial.ts';
import { inlineDialing } from '#shared/app/run/inline-dial.ts';
import { loadRuntimeConfig } from '#shared/config/runtime-config.ts';
import { handleProviderEvent } from '#shared/http/provider-events.ts';
import type { HttpResponse } from '#shared/http/respond.ts';
import { composeRunDeps, required } from '../lib/compose.ts';
import { composeTranscripts } from '../lib/compose-files.ts';
import { composeDialQueue, composeWebhookQueue } from '../lib/compose-queues.ts';
import { composeSecrets } from '../lib/compose-secrets.ts';
import { ENV } from '#shared/config/env-names.ts';
import { callbackSecret } from '#shared/app/run/callback-secret.ts';
import { traced } from '../lib/tracing.ts';

/** Provider callbacks (`POST /v1/telephony/{provider}/events`), verified by signature. */
const config = loadRuntimeConfig();
const dialQueue = composeDialQueue(config);
const composed = composeRunDeps(config, 'batch-calls-provider-events', {
  dialQueue,
  webhookQueue: composeWebhookQueue(config),
  secrets: composeSecrets(config),
  transcripts: composeTranscripts(config),
  dialerFor,
});
const publicBaseUrl = required(config.publicBaseUrl, ENV.publicBaseUrl);
// The freed turn's next recipient is dialed here, not through the queue (inline-dial.ts); that dial
// sends whatever follows it (a retry later, a skip's next turn) to the real queue.
const runDeps = {
  ...composed,
  dialQueue: inlineDialing(dialQueue, (message) => dialRecipient(composed, message), composed.logger),
};

async function handle(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> {
  runDeps.logger.addContext(context);
  try {
    return await handleProviderEvent(event, {
      runDeps,
      verifierFor,
      // The simulated network signs with one secret from the environment; real providers with a
      // credential of the calling number.
      secretFor: async (verifier, request) =>
        verifier.provider === 'simulated'
          ? config.simulatedProviderSecret
          : callbackSecret(runDeps, verifier, request),
      publicBaseUrl,
    });
  } finally {
    runDeps.metrics.flush();
  }
}

export const handler = traced('providerEvents', handle);
