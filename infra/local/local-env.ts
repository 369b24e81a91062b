import { ENV } from '#shared/config/env-names.ts';

/**
 * The environment the functions get locally: what the CDK stack sets on the Lambdas, plus the SDK
 * settings that point unchanged handler code at the local emulators. It must be in process.env
 * before the handler modules are imported, since they read it once at module load (cold start).
 */
export interface LocalEnvironmentInput {
  tableName: string;
  dynamodbEndpoint: string;
  publicBaseUrl: string;
  /** The JSON file standing in for Secrets Manager (provider credentials). */
  secretsFile: string;
  webhookAllowLoopback?: string;
}

/** Region name given to the SDK locally; the emulators accept any. */
export const LOCAL_SDK_REGION = 'us-east-1';

export function localEnvironment(input: LocalEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.tableName]: input.tableName,
    [ENV.localMode]: 'true',
    [ENV.publicBaseUrl]: input.publicBaseUrl,
    [ENV.localSecretsFile]: input.secretsFile,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamodbEndpoint,
    AWS_REGION: LOCAL_SDK_REGION,
    // Dummy credentials on purpose: local mode must never reach a real AWS account by accident.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  if (input.webhookAllowLoopback !== undefined) env[ENV.webhookAllowLoopback] = input.webhookAllowLoopback;
  return env;
}

export function applyEnvironment(env: Record<string, string>): void {
  // A real session token next to dummy keys would only confuse the SDK's signer.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);
}
