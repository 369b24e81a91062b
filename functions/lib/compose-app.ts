import { dnsHostResolver } from '#shared/adapters/net/dns-host-resolver.ts';
import type { AppDeps } from '#shared/app/deps.ts';
import type { RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { ComposedRunDeps } from './compose.ts';
import { composeExports, composeUploads } from './compose-files.ts';

/**
 * The API's use cases' dependencies: the run's (composed by the api handler with what its wiring
 * grants) plus uploads and exports. Reference data that only this function needs (the phone → time
 * zones map) is passed in by the handler, so no other function bundles it.
 */
export function composeAppDeps(
  runDeps: ComposedRunDeps,
  config: RuntimeConfig,
  only: Pick<AppDeps, 'phoneTimezones'>,
): AppDeps {
  return {
    store: runDeps.store,
    runStore: runDeps.runStore,
    scheduler: runDeps.scheduler,
    webhookQueue: runDeps.webhookQueue,
    transcripts: runDeps.transcripts,
    uploads: composeUploads(config),
    exports: composeExports(config),
    secrets: runDeps.secrets,
    resolveHost: dnsHostResolver,
    phoneTimezones: only.phoneTimezones,
    clock: runDeps.clock,
    webhookAllowLoopback: config.webhookAllowLoopback,
    logger: runDeps.logger,
  };
}
