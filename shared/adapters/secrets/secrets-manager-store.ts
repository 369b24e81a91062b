import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../ports/secret-store.ts';
import { SDK_REQUEST_HANDLER } from '../sdk-http.ts';

/** The Secrets Manager client the store uses (the functions wrap it for tracing first). */
export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({ requestHandler: SDK_REQUEST_HANDLER });
}

/** Provider credentials in AWS Secrets Manager, one secret per phone number (`batch-calls/<ws>/<pn>`). */
export function createSecretsManagerStore(
  client: SecretsManagerClient = createSecretsManagerClient(),
): SecretStore {
  return {
    async put(ref, values) {
      const SecretString = JSON.stringify(values);
      try {
        await client.send(new CreateSecretCommand({ Name: ref, SecretString }));
      } catch (error) {
        if (!(error instanceof ResourceExistsException)) throw error;
        await client.send(new PutSecretValueCommand({ SecretId: ref, SecretString }));
      }
    },
    async get(ref) {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: ref }));
        return out.SecretString ? (JSON.parse(out.SecretString) as Record<string, string>) : null;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return null;
        throw error;
      }
    },
    async delete(ref) {
      try {
        await client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
