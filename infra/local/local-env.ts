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

/** Dummy credentials on purpose: local mode must never reach a real AWS account by accident. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localEnvironment(input: LocalEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.tableName]: input.tableName,
    [ENV.localMode]: 'true',
    [ENV.publicBaseUrl]: input.publicBaseUrl,
    [ENV.localSecretsFile]: input.secretsFile,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamodbEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: input.dynamodbEndpoint,
    AWS_REGION: LOCAL_SDK_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  if (input.webhookAllowLoopback !== undefined) env[ENV.webhookAllowLoopback] = input.webhookAllowLoopback;
  return env;
}

/** What the functions need to reach the local queues, bucket and scheduler (see local-aws.ts). */
export interface LocalAwsEnvironmentInput {
  sqsEndpoint: string;
  s3Endpoint: string;
  schedulerEndpoint: string;
  dialQueueUrl: string;
  webhookQueueUrl: string;
  transcriptsBucket: string;
  schedulerGroupName: string;
  schedulerTargetArn: string;
  schedulerRoleArn: string;
  schedulerDlqArn: string;
}

export function localAwsEnvironment(input: LocalAwsEnvironmentInput): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SQS: input.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: input.s3Endpoint,
    AWS_ENDPOINT_URL_SCHEDULER: input.schedulerEndpoint,
    [ENV.dialQueueUrl]: input.dialQueueUrl,
    [ENV.webhookQueueUrl]: input.webhookQueueUrl,
    [ENV.transcriptsBucket]: input.transcriptsBucket,
    // One files bucket, as in AWS: transcripts/ and uploads/ prefixes.
    [ENV.uploadsBucket]: input.transcriptsBucket,
    [ENV.schedulerGroupName]: input.schedulerGroupName,
    [ENV.schedulerTargetArn]: input.schedulerTargetArn,
    [ENV.schedulerRoleArn]: input.schedulerRoleArn,
    [ENV.schedulerDlqArn]: input.schedulerDlqArn,
  };
}

/**
 * MAX_CALL_SECONDS for the simulated network: a call lasts SIM_CALL_MS, plus the network's callback
 * retries, with room. A call lost with a previous run (its network gone) is then failed by the sweeper
 * within minutes rather than after the hour a real call may last.
 */
export function localMaxCallSeconds(simCallMs: number): number {
  return Math.ceil(simCallMs / 1000) + 30;
}

export function applyEnvironment(env: Record<string, string>): void {
  // A real session token next to dummy keys would only confuse the SDK's signer.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);
}
