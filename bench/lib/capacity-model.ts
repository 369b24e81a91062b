/**
 * The capacity model (docs/capacity.md): what the AWS requests measured per call become at a load,
 * against the AWS limits and the stack's own settings, and which limit is reached first. Pure: the
 * bench's capacity section (bench/sections/capacity.ts) measures the inputs on the local stack, and
 * re-running it re-derives every figure when the run path changes.
 *
 * Approximations, stated where they are made: a DynamoDB item write of ≤ 1 KB is 1 write unit (2 in
 * a transaction, AWS's rule for transactional writes); a read is 1 read unit (a strongly consistent
 * read of ≤ 4 KB; the table rows use the units DynamoDB Local reported instead); an index write that
 * moves an item's sort key is 2 writes (remove and add), and an item entering the index leaves it
 * once (so every entry counts 2 as well); a function's concurrency is its invocation rate × its mean
 * duration on Lambda, assumed (ASSUMED_AWS_DURATION_MS) because the local one is not Lambda's.
 */

/**
 * Mean duration of one invocation on Lambda, assumed: the local durations measured on a shared 2-core
 * machine (every emulator, poller and function on it) run 10–50 times longer and would make Lambda
 * concurrency look like the first limit when the machine is. DynamoDB answers in single-digit ms, so
 * each figure is a few requests in sequence plus what waits outside AWS: the provider's call request
 * (dial; a real provider ≈ 200–300 ms), the customer's endpoint (deliverWebhook). docs/capacity.md
 * shows what changes when they are doubled.
 */
export const ASSUMED_AWS_DURATION_MS: Record<string, number> = {
  api: 150,
  authorizer: 20,
  providerEvents: 150,
  tableStream: 300,
  startBatch: 300,
  dial: 400,
  deliverWebhook: 500,
  events: 150,
  sweeper: 2_000,
};

/** How far one item or partition is shared: its traffic is that of every call in the scope. */
export type Scope = 'global' | 'workspace' | 'batch' | 'callerNumber' | 'call';

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

/** The deployment's own ceilings (infra/config.ts context values, shared/domain/limits.ts). */
export interface Deployment {
  dialConcurrency: number;
  webhookConcurrency: number;
  callbackRateLimit: number;
  apiRateLimit: number;
  /** A batch's `max_concurrent_calls` at most. */
  maxConcurrentCallsPerBatch: number;
  /** A number's `calls_per_second` at most. */
  maxCallsPerSecondPerNumber: number;
}

/** What one call costs, measured (bench/sections/capacity.ts); every figure is per call placed. */
export interface PerCall {
  /** AWS requests by service: dynamodb, sqs, s3, scheduler, secretsManager. */
  requests: Record<string, number>;
  /** DynamoDB requests by operation and item types, as the counting proxy reports them. */
  dynamodbDetails: Record<string, number>;
  /** Write actions that change GSI1, by index partition (ACTIVE, HOOKDUE, CREATING). */
  indexWrites: Record<string, number>;
  /** DynamoDB consumed capacity as reported by DynamoDB Local. */
  readUnits: number;
  writeUnits: number;
  /** Lambda invocations by function. */
  invocations: Record<string, number>;
  /** API Gateway requests: provider callbacks, and everything else. */
  callbacks: number;
  apiRequests: number;
  /** CreateSchedule requests (scheduled batches). */
  schedules: number;
}

export interface MeasuredInputs {
  perCall: PerCall;
  /** Mean duration of one invocation of each function on Lambda, ms (ASSUMED_AWS_DURATION_MS). */
  meanDurationMs: Record<string, number>;
}

export interface Load {
  name: string;
  /** Calls started per second (in a steady state as many end). */
  callsPerSecond: number;
  meanCallSeconds: number;
  /** Share of the calls in the busiest workspace: 1 = one customer carries the whole load. */
  busiestWorkspaceShare: number;
}

export interface LimitRow {
  /** The kind of limit: dynamodb-item, dynamodb-partition, dynamodb-index, dynamodb-table, lambda, … */
  kind: string;
  resource: string;
  unit: string;
  scope: Scope;
  /** The resource's rate per call of its scope (e.g. write units on the batch item per call of the batch). */
  perCall: number;
  /** The rate at the load. */
  rate: number;
  limit: number;
  /** rate / limit: above 1 the limit is exceeded. */
  utilization: number;
  /**
   * The load (calls started per second, whole system) at which the limit is reached; Infinity when
   * it cannot be: no limit, or a scope capped below it (a batch's calls are bounded by its
   * max_concurrent_calls, a number's by its calls_per_second).
   */
  reachedAtCallsPerSecond: number;
  /** What the operator changes to lift it. */
  lift: string;
}

export interface Projection {
  load: Load;
  concurrentCalls: number;
  rows: LimitRow[];
  /** The row with the highest utilization at this load. */
  busiest: LimitRow;
  /** The limit the load reaches first as it grows (lowest reachedAtCallsPerSecond). */
  firstLimit: LimitRow;
}

/** Each hot item: its type (`PK head:SK head`, as the counting proxy names it) and how far it is shared. */
export const HOT_ITEMS: Record<string, { scope: Scope; what: string }> = {
  'WS:WS': { scope: 'workspace', what: 'the workspace item (its live-call counter)' },
  'WS:BATCH': { scope: 'batch', what: 'the batch item (slots, counts)' },
  'WS:AGENT': { scope: 'workspace', what: 'the agent item (one agent for the workspace, worst case)' },
  'WS:PHONE': { scope: 'callerNumber', what: 'the phone number item' },
  'PACE:PACE': { scope: 'callerNumber', what: "the caller number's pacing item" },
  'BATCH:EVSEQ': { scope: 'batch', what: "the batch's live event counter" },
  'KEY:KEY': { scope: 'workspace', what: 'the API key lookup item' },
  'LEASE:LEASE': { scope: 'global', what: "the sweeper's lease" },
};

/** Partitions shared beyond one call, by the first segment of their PK. */
export const HOT_PARTITIONS: Record<string, { scope: Scope; what: string }> = {
  WS: { scope: 'workspace', what: 'the workspace partition WS#<ws> (workspace, agents, numbers, batches)' },
  BATCH: { scope: 'batch', what: "a batch's partition BATCH#<id> (recipients, outbox, events)" },
  PACE: { scope: 'callerNumber', what: "a caller number's pacing partition" },
};

const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const TRANSACTIONAL = new Set(['TransactWriteItems', 'TransactGetItems']);

interface ParsedDetail {
  operation: string;
  /** Item types touched (empty for a Query). */
  types: string[];
  /** A Query's partition: a PK head, or `GSI1 <partition>`. */
  queried?: string;
}

export function parseDetail(detail: string): ParsedDetail {
  const space = detail.indexOf(' ');
  const operation = space < 0 ? detail : detail.slice(0, space);
  const rest = space < 0 ? '' : detail.slice(space + 1);
  if (operation === 'Query') return { operation, types: [], queried: rest };
  return { operation, types: rest ? rest.split('+') : [] };
}

/** Write and read units per call on each item type (transactional requests count twice). */
export function unitsByItemType(details: Record<string, number>): {
  writes: Record<string, number>;
  reads: Record<string, number>;
} {
  const writes: Record<string, number> = {};
  const reads: Record<string, number> = {};
  for (const [detail, count] of Object.entries(details)) {
    const { operation, types, queried } = parseDetail(detail);
    const factor = TRANSACTIONAL.has(operation) ? 2 : 1;
    const into = WRITE_OPS.has(operation) ? writes : reads;
    for (const type of types) into[type] = (into[type] ?? 0) + count * factor;
    // A Query reads a partition, not one item: kept under its partition name.
    if (queried !== undefined) reads[`Query ${queried}`] = (reads[`Query ${queried}`] ?? 0) + count;
  }
  return { writes, reads };
}

/** Calls per second flowing through one item or partition of `scope`, and its ceiling if capped. */
function scopeRate(scope: Scope, load: Load, deployment: Deployment): { rate: number; cap: number } {
  const workspace = load.callsPerSecond * load.busiestWorkspaceShare;
  switch (scope) {
    case 'global':
      return { rate: load.callsPerSecond, cap: Infinity };
    case 'workspace':
      return { rate: workspace, cap: Infinity };
    case 'batch': {
      const cap = deployment.maxConcurrentCallsPerBatch / load.meanCallSeconds;
      return { rate: Math.min(workspace, cap), cap };
    }
    case 'callerNumber':
      return {
        rate: Math.min(workspace, deployment.maxCallsPerSecondPerNumber),
        cap: deployment.maxCallsPerSecondPerNumber,
      };
    case 'call':
      return { rate: 1 / load.meanCallSeconds, cap: 1 / load.meanCallSeconds };
  }
}

/** The whole-system calls/s at which `perCall × scope rate` reaches `limit`. */
function reachedAt(perCall: number, limit: number, scope: Scope, load: Load, deployment: Deployment): number {
  if (perCall <= 0 || !Number.isFinite(limit)) return Infinity;
  const needed = limit / perCall;
  const { cap } = scopeRate(scope, load, deployment);
  if (needed > cap) return Infinity;
  return scope === 'global' ? needed : needed / load.busiestWorkspaceShare;
}

function row(
  base: Omit<LimitRow, 'rate' | 'utilization' | 'reachedAtCallsPerSecond'>,
  load: Load,
  deployment: Deployment,
): LimitRow {
  const rate = base.perCall * scopeRate(base.scope, load, deployment).rate;
  return {
    ...base,
    rate,
    utilization: Number.isFinite(base.limit) ? rate / base.limit : 0,
    reachedAtCallsPerSecond: reachedAt(base.perCall, base.limit, base.scope, load, deployment),
  };
}

const LIFT = {
  item: 'design: spread the item (e.g. shard the counter) or write it less; no quota lifts an item',
  partition:
    'design: fewer writes per call on the partition; DynamoDB splits a partition by sort key, not a single item',
  index: 'design: shard the index partition key (e.g. HOOKDUE#<n>) or move fewer items through it',
  table: 'Service Quotas: DynamoDB table-level on-demand throughput (request an increase)',
  account: 'Service Quotas: Lambda concurrent executions (request an increase)',
};

/** Every limit row at one load, sorted by utilization (busiest first). */
export function projectCapacity(inputs: MeasuredInputs, load: Load, deployment: Deployment): Projection {
  const { perCall } = inputs;
  const rows: LimitRow[] = [];
  const add = (base: Omit<LimitRow, 'rate' | 'utilization' | 'reachedAtCallsPerSecond'>) =>
    rows.push(row(base, load, deployment));

  // DynamoDB: the table as a whole, from the units DynamoDB Local reported.
  add({
    kind: 'dynamodb-table',
    resource: 'table write units',
    unit: 'WRU/s',
    scope: 'global',
    perCall: perCall.writeUnits,
    limit: AWS_LIMITS.tableWriteUnits,
    lift: LIFT.table,
  });
  add({
    kind: 'dynamodb-table',
    resource: 'table read units',
    unit: 'RRU/s',
    scope: 'global',
    perCall: perCall.readUnits,
    limit: AWS_LIMITS.tableReadUnits,
    lift: LIFT.table,
  });

  // Hot items and partitions, from the requests by item type.
  const { writes, reads } = unitsByItemType(perCall.dynamodbDetails);
  for (const [type, { scope, what }] of Object.entries(HOT_ITEMS)) {
    if (writes[type])
      add({
        kind: 'dynamodb-item',
        resource: `item ${type}: ${what}`,
        unit: 'WCU/s',
        scope,
        perCall: writes[type],
        limit: AWS_LIMITS.partitionWriteUnits,
        lift: LIFT.item,
      });
    if (reads[type])
      add({
        kind: 'dynamodb-item',
        resource: `item ${type}: ${what}`,
        unit: 'RCU/s',
        scope,
        perCall: reads[type],
        limit: AWS_LIMITS.partitionReadUnits,
        lift: LIFT.item,
      });
  }
  for (const [head, { scope, what }] of Object.entries(HOT_PARTITIONS)) {
    const sum = (units: Record<string, number>) =>
      Object.entries(units)
        .filter(([type]) => type.split(':')[0] === head || type === `Query ${head}`)
        .reduce((total, [, n]) => total + n, 0);
    const w = sum(writes);
    const r = sum(reads);
    if (w)
      add({
        kind: 'dynamodb-partition',
        resource: `partition ${head}#…: ${what}`,
        unit: 'WCU/s',
        scope,
        perCall: w,
        limit: AWS_LIMITS.partitionWriteUnits,
        lift: LIFT.partition,
      });
    if (r)
      add({
        kind: 'dynamodb-partition',
        resource: `partition ${head}#…: ${what}`,
        unit: 'RCU/s',
        scope,
        perCall: r,
        limit: AWS_LIMITS.partitionReadUnits,
        lift: LIFT.partition,
      });
  }
  // GSI1 partitions: one key each, every batch of the account in it.
  for (const [partition, n] of Object.entries(perCall.indexWrites)) {
    add({
      kind: 'dynamodb-index',
      resource: `GSI1 partition ${partition}`,
      unit: 'WCU/s',
      scope: 'global',
      perCall: 2 * n,
      limit: AWS_LIMITS.partitionWriteUnits,
      lift: LIFT.index,
    });
  }
  for (const [type, n] of Object.entries(reads)) {
    if (!type.startsWith('Query GSI1 ')) continue;
    add({
      kind: 'dynamodb-index',
      resource: `GSI1 partition ${type.slice('Query GSI1 '.length)} (queries)`,
      unit: 'queries/s',
      scope: 'global',
      perCall: n,
      limit: AWS_LIMITS.partitionReadUnits,
      lift: LIFT.index,
    });
  }

  // Lambda: each function's concurrency (invocations/s × duration), against its own maximum or the account's.
  const own: Record<string, { limit: number; lift: string }> = {
    dial: {
      limit: deployment.dialConcurrency,
      lift: 'context dialConcurrency (cdk deploy -c dialConcurrency=…)',
    },
    deliverWebhook: { limit: deployment.webhookConcurrency, lift: 'context webhookConcurrency' },
  };
  let total = 0;
  for (const [fn, n] of Object.entries(perCall.invocations)) {
    const seconds = (inputs.meanDurationMs[fn] ?? ASSUMED_AWS_DURATION_MS[fn] ?? 1_000) / 1000;
    total += n * seconds;
    const cap = own[fn];
    add({
      kind: 'lambda',
      resource: `Lambda ${fn} concurrency`,
      unit: 'concurrent',
      scope: 'global',
      perCall: n * seconds,
      limit: cap?.limit ?? AWS_LIMITS.lambdaAccountConcurrency,
      lift: cap?.lift ?? LIFT.account,
    });
  }
  add({
    kind: 'lambda',
    resource: 'Lambda concurrency, all functions',
    unit: 'concurrent',
    scope: 'global',
    perCall: total,
    limit: AWS_LIMITS.lambdaAccountConcurrency,
    lift: LIFT.account,
  });

  // API Gateway: the callback route's throttle, the stage's, and the account's.
  add({
    kind: 'api',
    resource: 'API Gateway callback route throttle',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.callbacks,
    limit: deployment.callbackRateLimit,
    lift: 'context callbackRateLimit / callbackBurstLimit (≤ 10,000)',
  });
  add({
    kind: 'api',
    resource: 'API Gateway stage throttle (API routes)',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.apiRequests,
    limit: deployment.apiRateLimit,
    lift: 'context apiRateLimit / apiBurstLimit',
  });
  add({
    kind: 'api',
    resource: 'API Gateway account throttle',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.callbacks + perCall.apiRequests,
    limit: AWS_LIMITS.apiGatewayAccountRps,
    lift: 'Service Quotas: API Gateway throttle (L-8A5B8E43)',
  });

  // The rest: SQS standard queues have no request quota; the others do.
  add({
    kind: 'sqs',
    resource: 'SQS requests (standard queues)',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.requests.sqs ?? 0,
    limit: Infinity,
    lift: 'none needed: standard queues have no request quota',
  });
  add({
    kind: 'scheduler',
    resource: 'EventBridge Scheduler CreateSchedule',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.schedules,
    limit: AWS_LIMITS.schedulerCreateTps,
    lift: 'Service Quotas: CreateSchedule request rate',
  });
  add({
    kind: 'secrets',
    resource: 'Secrets Manager GetSecretValue',
    unit: 'req/s',
    scope: 'global',
    perCall: perCall.requests.secretsManager ?? 0,
    limit: AWS_LIMITS.secretsGetTps,
    lift: 'cache secrets per container (fewer reads); the quota is fixed',
  });
  // Lambda ships its functions' logs itself; one PutLogEvents per invocation is the upper bound.
  const invocations = Object.values(perCall.invocations).reduce((a, b) => a + b, 0);
  add({
    kind: 'logs',
    resource: 'CloudWatch Logs PutLogEvents (≤ 1 per invocation)',
    unit: 'req/s',
    scope: 'global',
    perCall: invocations,
    limit: AWS_LIMITS.logsPutLogEventsTps,
    lift: 'Service Quotas: PutLogEvents; or log less (LOG_LEVEL)',
  });

  rows.sort((a, b) => b.utilization - a.utilization);
  const busiest = rows[0];
  const firstLimit = [...rows].sort((a, b) => a.reachedAtCallsPerSecond - b.reachedAtCallsPerSecond)[0];
  if (!busiest || !firstLimit) throw new Error('projectCapacity: no limits');
  return { load, concurrentCalls: load.callsPerSecond * load.meanCallSeconds, rows, busiest, firstLimit };
}

/** The two loads of issue 16. */
export function standardLoads(options: { peakFactor: number; meanCallSeconds: number }): Load[] {
  const perDay = 1_000_000 / 86_400;
  return [
    {
      name: '1 M calls/day, spread evenly',
      callsPerSecond: perDay,
      meanCallSeconds: options.meanCallSeconds,
      busiestWorkspaceShare: 1,
    },
    {
      name: `1 M calls/day, peak ×${options.peakFactor}`,
      callsPerSecond: perDay * options.peakFactor,
      meanCallSeconds: options.meanCallSeconds,
      busiestWorkspaceShare: 1,
    },
    {
      name: `10,000 concurrent calls of ${options.meanCallSeconds} s`,
      callsPerSecond: 10_000 / options.meanCallSeconds,
      meanCallSeconds: options.meanCallSeconds,
      busiestWorkspaceShare: 1,
    },
  ];
}
