import { cachedSecretStore } from '#shared/adapters/secrets/cached-secret-store.ts';
import { createFileSecretStore } from '#shared/adapters/secrets/file-secret-store.ts';
import {
  createSecretsManagerClient,
  createSecretsManagerStore,
} from '#shared/adapters/secrets/secrets-manager-store.ts';
import { prefixedSecretStore } from '#shared/adapters/secrets/prefixed-secret-store.ts';
import type { RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import { traceClient } from './tracing.ts';

/** How long a container keeps provider credentials it read (cached-secret-store.ts explains why it may). */
const SECRET_CACHE_TTL_MS = 5 * 60_000;

/** Provider credentials (wiring `secrets`): Secrets Manager in AWS, a file locally, cached in both. */
export function composeSecrets(config: RuntimeConfig): SecretStore {
  // Cached in both modes, so local mode runs the path AWS runs.
  // Named under the stage's prefix: a dev stack is granted only its own (docs/deploy.md).
  return cachedSecretStore(
    prefixedSecretStore(
      config.localSecretsFile
        ? createFileSecretStore(config.localSecretsFile, { access: config.localSecretsAccess })
        : createSecretsManagerStore(traceClient(createSecretsManagerClient())),
      config.secretsPrefix,
    ),
    { ttlMs: SECRET_CACHE_TTL_MS },
  );
}
