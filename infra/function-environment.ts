import { ENV } from '#shared/config/env-names.ts';
import { FUNCTIONS, ROUTES, type FunctionName, type QueueName } from './wiring.ts';

/**
 * The one derivation of a function's environment from its `access` in infra/wiring.ts. The CDK
 * stack calls it with tokens (table name, queue URLs, …) and the local runtime with local values,
 * so a function cannot see a setting locally that AWS would not give it: the sweeper once read
 * TRANSCRIPTS_BUCKET locally while the deployed sweeper had none (issue 11, item 4).
 */

/** Where the grants point: CDK tokens in the stack, emulator addresses and names locally. */
export interface EnvironmentTargets {
  tableName: string;
  publicBaseUrl: string;
  queueUrls: Record<QueueName, string>;
  /** One files bucket: transcripts/ and uploads/ prefixes. */
  filesBucket: string;
  scheduler: {
    groupName: string;
    /** The function the one-time start schedules invoke (SCHEDULER_TARGET). */
    targetArn: string;
    roleArn: string;
    deadLetterArn: string;
  };
  /** How long a function serving API-key routes trusts a key lookup (shared/http/authenticate.ts). */
  authCacheTtlSeconds: number;
  /**
   * Powertools Metrics (EMF lines to stdout), on in the stack. Left out (local mode), it is off: no one
   * reads the EMF lines. POWERTOOLS_TRACE_ENABLED turns Powertools Tracer on (functions/lib/tracing.ts)
   * when `tracer` is (context `tracer`, on by default).
   */
  observability?: { metricsNamespace: string; tracer: boolean };
  /** `secretsPrefix(stage)`: where the stage's provider credentials are named. */
  secretsPrefix: string;
  /** Days a finished batch is kept (context retentionDays). */
  retentionDays: number;
}

export const QUEUE_URL_ENV: Record<QueueName, string> = {
  dial: ENV.dialQueueUrl,
  webhook: ENV.webhookQueueUrl,
};

export function functionEnvironment(name: FunctionName, targets: EnvironmentTargets): Record<string, string> {
  const { access } = FUNCTIONS[name];
  const env: Record<string, string> = {
    [ENV.publicBaseUrl]: targets.publicBaseUrl,
    [ENV.serviceName]: `batch-calls-${name}`,
    [ENV.logLevel]: 'INFO',
    // Named even when off, so a function has the same variables in both places.
    POWERTOOLS_METRICS_NAMESPACE: targets.observability?.metricsNamespace ?? 'batch-calls-local',
    POWERTOOLS_METRICS_DISABLED: String(!targets.observability),
    POWERTOOLS_TRACE_ENABLED: String(targets.observability?.tracer ?? false),
  };
  if (access.table) env[ENV.tableName] = targets.tableName;
  // Every function serving an API-key route checks the key itself (nothing is in front of it).
  if (ROUTES.some((route) => route.function === name && route.auth === 'apiKey'))
    env[ENV.authCacheTtlSeconds] = String(targets.authCacheTtlSeconds);
  for (const queue of access.sendTo ?? []) env[QUEUE_URL_ENV[queue]] = targets.queueUrls[queue];
  if (access.secrets) env[ENV.secretsPrefix] = targets.secretsPrefix;
  // Whoever may finish a batch (an update of its item) stamps its retention.
  if (access.table?.includes('UpdateItem')) env[ENV.retentionDays] = String(targets.retentionDays);
  if (access.transcripts) env[ENV.transcriptsBucket] = targets.filesBucket;
  if (access.uploads) env[ENV.uploadsBucket] = targets.filesBucket;
  if (access.exports) env[ENV.exportsBucket] = targets.filesBucket;
  if (access.scheduler) {
    env[ENV.schedulerGroupName] = targets.scheduler.groupName;
    env[ENV.schedulerTargetArn] = targets.scheduler.targetArn;
    env[ENV.schedulerRoleArn] = targets.scheduler.roleArn;
    env[ENV.schedulerDlqArn] = targets.scheduler.deadLetterArn;
  }
  return env;
}
