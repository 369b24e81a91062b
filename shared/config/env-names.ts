/**
 * Environment variable names shared by infra/ (which sets them) and the runtime (which reads them),
 * so that a rename fails to compile instead of failing in production.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  /** "true" in `npm start`: allows http:// and loopback webhook URLs (see the contract's local mode). */
  localMode: 'BATCH_CALLS_LOCAL_MODE',
  webhookAllowLoopback: 'WEBHOOK_ALLOW_LOOPBACK',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** How long a function trusts an API key lookup; revocation takes effect within this time. */
  authCacheTtlSeconds: 'AUTH_CACHE_TTL_SECONDS',
  /** Local mode: the JSON file that plays the secret store for provider credentials. */
  localSecretsFile: 'LOCAL_SECRETS_FILE',
  /** Local mode: "read" or "readWrite", the function's secrets grant, which the file store enforces. */
  localSecretsAccess: 'LOCAL_SECRETS_ACCESS',
  /** The stage's secret name prefix, `batch-calls/<stage>/` (the functions with a secrets grant). */
  secretsPrefix: 'SECRETS_PREFIX',
  /** Days a finished batch is kept before DynamoDB's TTL removes it (docs/deploy.md, "Retention"). */
  retentionDays: 'RETENTION_DAYS',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  dialQueueUrl: 'DIAL_QUEUE_URL',
  webhookQueueUrl: 'WEBHOOK_QUEUE_URL',
  transcriptsBucket: 'TRANSCRIPTS_BUCKET',
  /** Where large CSVs are uploaded with a pre-signed POST (the same files bucket, prefix uploads/). */
  uploadsBucket: 'UPLOADS_BUCKET',
  /** Where results exports too large to answer inline are written (the files bucket, prefix exports/). */
  exportsBucket: 'EXPORTS_BUCKET',
  /** One-time start schedules: their group, target (the startBatch function), role and dead-letter queue. */
  schedulerGroupName: 'SCHEDULER_GROUP_NAME',
  schedulerTargetArn: 'SCHEDULER_TARGET_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  schedulerDlqArn: 'SCHEDULER_DLQ_ARN',
  /** The simulated telephone network's API (local mode) and the secret its callbacks are signed with. */
  simulatedProviderUrl: 'SIMULATED_PROVIDER_URL',
  simulatedProviderSecret: 'SIMULATED_PROVIDER_SECRET',
  /** The longest call the sweeper waits for before asking the provider how it ended (default 1 h). */
  maxCallSeconds: 'MAX_CALL_SECONDS',
  /**
   * How long the sweeper leaves work to its queue message before it assumes the message was lost and
   * queues it again (a dial, a hand-over, a webhook delivery; default 60 s; the chaos test shortens it).
   */
  sweepGraceSeconds: 'SWEEP_GRACE_SECONDS',
  /** Local mode: seconds between the live event stream's keep-alive comments (default 15; tests shorten it). */
  eventsHeartbeatSeconds: 'EVENTS_HEARTBEAT_SECONDS',
  /** Twilio's REST API (default https://api.twilio.com); tests and regional endpoints set it. */
  twilioApiBaseUrl: 'TWILIO_API_BASE_URL',
  /** Retell's REST API (default https://api.retellai.com). */
  retellApiBaseUrl: 'RETELL_API_BASE_URL',
  /** ElevenLabs' REST API (default https://api.elevenlabs.io). */
  elevenLabsApiBaseUrl: 'ELEVENLABS_API_BASE_URL',
  /** Vapi's REST API (default https://api.vapi.ai). */
  vapiApiBaseUrl: 'VAPI_API_BASE_URL',
} as const;
