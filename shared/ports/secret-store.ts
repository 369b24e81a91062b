/**
 * Where provider credentials live: never in the table, never in logs. Secrets Manager in AWS,
 * a file under DATA_DIR in local mode. `ref` is an opaque name the phone number item keeps.
 */
export interface SecretStore {
  put(ref: string, values: Record<string, string>): Promise<void>;
  get(ref: string): Promise<Record<string, string> | null>;
  delete(ref: string): Promise<void>;
}

export function credentialsRef(workspaceId: string, phoneNumberId: string): string {
  return `batch-calls/${workspaceId}/${phoneNumberId}`;
}
