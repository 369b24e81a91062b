import * as z from 'zod';
import { ENV } from './env-names.ts';

/** How long a function trusts a key lookup unless configured otherwise (shared/http/authenticate.ts). */
export const API_KEY_CACHE_SECONDS = 30;

/**
 * Parsed once at cold start. Required values have no defaults: a function deployed without its
 * table name fails at start with a clear message instead of on the first request.
 */
const schema = z.object({
  [ENV.tableName]: z.string().min(3),
  [ENV.localMode]: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  [ENV.webhookAllowLoopback]: z.enum(['true', 'false']).optional(),
  [ENV.publicBaseUrl]: z.string().url().optional(),
  [ENV.authCacheTtlSeconds]: z.coerce.number().int().min(0).max(3600).optional(),
  [ENV.localSecretsFile]: z.string().min(1).optional(),
  [ENV.localSecretsAccess]: z.enum(['read', 'readWrite']).optional(),
  [ENV.secretsPrefix]: z
    .string()
    .regex(/^batch-calls\/[a-z][a-z0-9-]*\/$/)
    .optional(),
  [ENV.retentionDays]: z.coerce.number().int().min(1).max(3650).optional(),
  [ENV.dialQueueUrl]: z.string().url().optional(),
  [ENV.webhookQueueUrl]: z.string().url().optional(),
  [ENV.transcriptsBucket]: z.string().min(3).optional(),
  [ENV.uploadsBucket]: z.string().min(3).optional(),
  [ENV.exportsBucket]: z.string().min(3).optional(),
  [ENV.schedulerGroupName]: z.string().min(1).optional(),
  [ENV.schedulerTargetArn]: z.string().startsWith('arn:').optional(),
  [ENV.schedulerRoleArn]: z.string().startsWith('arn:').optional(),
  [ENV.schedulerDlqArn]: z.string().startsWith('arn:').optional(),
  [ENV.simulatedProviderSecret]: z.string().min(16).optional(),
  [ENV.maxCallSeconds]: z.coerce.number().int().min(1).max(86_400).optional(),
  [ENV.sweepGraceSeconds]: z.coerce.number().int().min(1).max(3_600).optional(),
  [ENV.eventsHeartbeatSeconds]: z.coerce.number().int().min(1).max(60).optional(),
});

/** How long a finished batch is kept unless the deployment says otherwise (context retentionDays). */
export const DEFAULT_RETENTION_DAYS = 90;

/** The contract's keep-alive: a comment line every 15 s on an idle live event stream. */
export const DEFAULT_EVENTS_HEARTBEAT_SECONDS = 15;

/** The longest call we wait for by default before asking the provider how it ended. */
export const DEFAULT_MAX_CALL_SECONDS = 3_600;
/** Long enough that the sweeper never races a message that is merely on time; the sweeper runs each minute. */
export const DEFAULT_SWEEP_GRACE_SECONDS = 60;

export interface RuntimeConfig {
  tableName: string;
  localMode: boolean;
  /** Loopback and http:// webhook URLs are allowed: local mode only, unless turned off. */
  webhookAllowLoopback: boolean;
  publicBaseUrl: string | null;
  authCacheTtlSeconds: number;
  /** Set in local mode only: provider credentials go to this file instead of Secrets Manager. */
  localSecretsFile: string | null;
  /** Local mode: the function's secrets grant; a read-only one may not write the file. */
  localSecretsAccess: 'read' | 'readWrite';
  /** `batch-calls/<stage>/`: where its secrets are named (functions with a secrets grant). */
  secretsPrefix: string | null;
  /** Days a finished batch is kept (its `expiresAt`). */
  retentionDays: number;
  /** Each function is given the ones it uses (infra/wiring.ts access); the rest stay null. */
  dialQueueUrl: string | null;
  webhookQueueUrl: string | null;
  transcriptsBucket: string | null;
  uploadsBucket: string | null;
  exportsBucket: string | null;
  scheduler: { groupName: string; targetArn: string; roleArn: string; deadLetterArn: string } | null;
  simulatedProviderSecret: string | null;
  maxCallSeconds: number;
  sweepGraceSeconds: number;
  eventsHeartbeatSeconds: number;
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Invalid configuration: ${names}`);
  }
  const v = parsed.data;
  const localMode = v[ENV.localMode];
  return {
    tableName: v[ENV.tableName],
    localMode,
    webhookAllowLoopback: localMode && v[ENV.webhookAllowLoopback] !== 'false',
    publicBaseUrl: v[ENV.publicBaseUrl] ?? null,
    authCacheTtlSeconds: v[ENV.authCacheTtlSeconds] ?? API_KEY_CACHE_SECONDS,
    localSecretsFile: v[ENV.localSecretsFile] ?? null,
    localSecretsAccess: v[ENV.localSecretsAccess] ?? 'readWrite',
    secretsPrefix: v[ENV.secretsPrefix] ?? null,
    retentionDays: v[ENV.retentionDays] ?? DEFAULT_RETENTION_DAYS,
    dialQueueUrl: v[ENV.dialQueueUrl] ?? null,
    webhookQueueUrl: v[ENV.webhookQueueUrl] ?? null,
    transcriptsBucket: v[ENV.transcriptsBucket] ?? null,
    uploadsBucket: v[ENV.uploadsBucket] ?? null,
    exportsBucket: v[ENV.exportsBucket] ?? null,
    scheduler: schedulerConfig(
      v[ENV.schedulerGroupName],
      v[ENV.schedulerTargetArn],
      v[ENV.schedulerRoleArn],
      v[ENV.schedulerDlqArn],
    ),
    simulatedProviderSecret: v[ENV.simulatedProviderSecret] ?? null,
    maxCallSeconds: v[ENV.maxCallSeconds] ?? DEFAULT_MAX_CALL_SECONDS,
    sweepGraceSeconds: v[ENV.sweepGraceSeconds] ?? DEFAULT_SWEEP_GRACE_SECONDS,
    eventsHeartbeatSeconds: v[ENV.eventsHeartbeatSeconds] ?? DEFAULT_EVENTS_HEARTBEAT_SECONDS,
  };
}

function schedulerConfig(
  groupName: string | undefined,
  targetArn: string | undefined,
  roleArn: string | undefined,
  deadLetterArn: string | undefined,
): RuntimeConfig['scheduler'] {
  if (!groupName || !targetArn || !roleArn || !deadLetterArn) return null;
  return { groupName, targetArn, roleArn, deadLetterArn };
}
