/**
 * The capacity model's fixed inputs (docs/capacity.md): the AWS limits it projects onto, with their
 * sources in the doc; the Lambda durations it assumes; which items and partitions are shared, and
 * how far; and what lifts each kind of limit.
 */

/**
 * How far one item or partition is shared: its traffic is that of every call in the scope.
 * `liveCallShard`: one shard of the busiest workspace's live-call counter, which has a shard per 250
 * calls of the workspace's limit (at least its live calls at the load; shared/domain/live-call-shards.ts).
 */
export type Scope = 'global' | 'workspace' | 'liveCallShard' | 'batch' | 'callerNumber' | 'call';

/** The AWS figures the model projects onto, each with where it comes from (docs/capacity.md cites them). */
export const AWS_LIMITS = {
  /** Per partition, and so per item: DynamoDB developer guide, "warm throughput" and partitions. */
  partitionWriteUnits: 1_000,
  partitionReadUnits: 3_000,
  /** On-demand table-level throughput default quota (DynamoDB quotas; adjustable). */
  tableWriteUnits: 40_000,
  tableReadUnits: 40_000,
  /** Lambda concurrent executions per account and Region, default (adjustable to tens of thousands). */
  lambdaAccountConcurrency: 1_000,
  /** API Gateway throttle quota per account and Region across HTTP/REST/WebSocket APIs. */
  apiGatewayAccountRps: 10_000,
  /** EventBridge Scheduler CreateSchedule request rate (1,000 in the older quota table; 5,000 now). */
  schedulerCreateTps: 1_000,
  /** Secrets Manager GetSecretValue requests per second. */
  secretsGetTps: 10_000,
  /** CloudWatch Logs PutLogEvents per account and Region (default; adjustable). */
  logsPutLogEventsTps: 5_000,
} as const;

/**
 * Mean duration of one invocation on Lambda, assumed: the local durations measured on a shared 2-core
 * machine (every emulator, poller and function on it) run 10–50 times longer and would make Lambda
 * concurrency look like the first limit when the machine is. DynamoDB answers in single-digit ms, so
 * each figure is a few requests in sequence plus what waits outside AWS: the provider's call request
 * (dial; a real provider ≈ 200–300 ms), the customer's endpoint (deliverWebhook). docs/capacity.md
 * shows what changes when they are doubled.
 */
export const ASSUMED_AWS_DURATION_MS: Record<string, number> = {
  apiCreate: 150,
  apiBatches: 150,
  apiSettings: 150,
  apiSuppressions: 150,
  providerEvents: 150,
  tableStream: 300,
  startBatch: 300,
  dial: 400,
  deliverWebhook: 500,
  events: 150,
  sweeper: 2_000,
};

/** Each hot item: its type (`PK head:SK head`, as the counting proxy names it) and how far it is shared. */
export const HOT_ITEMS: Record<string, { scope: Scope; what: string }> = {
  'WS:WS': { scope: 'liveCallShard', what: 'the workspace item (shard 0 of its live-call counter)' },
  'LIVE:LIVE': { scope: 'liveCallShard', what: "a shard k ≥ 1 of the workspace's live-call counter" },
  'WS:BATCH': { scope: 'batch', what: 'the batch item (slots, counts)' },
  'WS:AGENT': { scope: 'workspace', what: 'the agent item (one agent for the workspace, worst case)' },
  'WS:PHONE': { scope: 'callerNumber', what: 'the phone number item' },
  'PACE:PACE': { scope: 'callerNumber', what: "the caller number's pacing item" },
  'KEY:KEY': { scope: 'workspace', what: 'the API key lookup item' },
  'LEASE:LEASE': { scope: 'global', what: "the sweeper's lease" },
};

/** Partitions shared beyond one call, by the first segment of their PK. */
export const HOT_PARTITIONS: Record<string, { scope: Scope; what: string }> = {
  WS: { scope: 'workspace', what: 'the workspace partition WS#<ws> (workspace, agents, numbers, batches)' },
  BATCH: { scope: 'batch', what: "a batch's partition BATCH#<id> (recipients, outbox, events)" },
  PACE: { scope: 'callerNumber', what: "a caller number's pacing partition" },
};

export const LIFT = {
  item: 'design: spread the item (as the live-call counter is sharded) or write it less; no quota lifts an item',
  partition:
    'design: fewer writes per call on the partition; DynamoDB splits a partition by sort key, not a single item',
  index: 'design: shard the index partition key (e.g. HOOKDUE#<n>) or move fewer items through it',
  table: 'Service Quotas: DynamoDB table-level on-demand throughput (request an increase)',
  account: 'Service Quotas: Lambda concurrent executions (request an increase)',
};
