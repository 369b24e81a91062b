/**
 * Where provider credentials live: never in the table, never in logs. Secrets Manager in AWS,
 * a file under DATA_DIR in local mode. `ref` is an opaque name the phone number item keeps.
 */
export interface SecretStore {
  put(ref: string, values: Record<string, string>): Promise<void>;
  get(ref: string): Promise<Record<string, string> | null>;
  delete(ref: string): Promise<void>;
}

/**
 * A number's credentials, relative to the deployment's prefix: the secret store adds the stage's
 * `batch-calls/<stage>/` (shared/adapters/secrets/prefixed-secret-store.ts), so one stage's functions
 * cannot name another stage's secrets.
 */
export function credentialsRef(workspaceId: string, phoneNumberId: string): string {
  return `${workspaceId}/${phoneNumberId}`;
}
