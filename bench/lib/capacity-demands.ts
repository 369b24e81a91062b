import { ASSUMED_AWS_DURATION_MS, AWS_LIMITS, HOT_ITEMS, HOT_PARTITIONS, LIFT } from './capacity-limits.ts';
import { HOOKDUE_SHARDS } from '#shared/adapters/dynamodb/keys.ts';
import type { Deployment, Demand, MeasuredInputs } from './capacity-model.ts';

/**
 * Which limits one call uses, and how much of each per call of the limit's scope: the table and its
 * hot items and partitions (from the DynamoDB requests by item type), the GSI1 partitions, each
 * function's concurrency, API Gateway's throttles, and the other services' quotas. The model
 * (capacity-model.ts) applies a load to them.
 */

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

/** Every limit a call uses, per call of its scope. */
export function limitDemands(inputs: MeasuredInputs, deployment: Deployment): Demand[] {
  const { perCall } = inputs;
  const rows: Demand[] = [];
  const add = (demand: Demand) => rows.push(demand);

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
  // The live-call counter's shard 0 is the workspace item, in partition WS#<ws>, but takes only 1/K of
  // the counter's writes (and all of them only in a workspace of one shard, ≤ 250 live calls, far
  // below the partition's limit): its writes are left out of the partition's.
  const counterShard = (type: string) => HOT_ITEMS[type]?.scope === 'liveCallShard';
  for (const [head, { scope, what }] of Object.entries(HOT_PARTITIONS)) {
    const sum = (units: Record<string, number>) =>
      Object.entries(units)
        .filter(([type]) => type.split(':')[0] === head || type === `Query ${head}`)
        .reduce((total, [, n]) => total + n, 0);
    const w = sum(Object.fromEntries(Object.entries(writes).filter(([type]) => !counterShard(type))));
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
  // GSI1 partitions: one key each, every batch of the account in it; the due webhooks' shards as
  // one row, each shard taking its share (the webhook id's hash spreads them evenly).
  for (const [partition, n] of Object.entries(hookDueAsOne(perCall.indexWrites))) {
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

  return rows;
}

/**
 * The index writes with the due webhooks' shards (`HOOKDUE#0` … `HOOKDUE#15`) folded into one row,
 * `HOOKDUE#<n>`: one shard's share of them all. An unsharded `HOOKDUE` (an update the counting proxy
 * could not name a shard for) counts with them.
 */
export function hookDueAsOne(writes: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  let hookDue = 0;
  for (const [partition, n] of Object.entries(writes)) {
    if (partition === 'HOOKDUE' || /^HOOKDUE#\d+$/.test(partition)) hookDue += n;
    else out[partition] = n;
  }
  if (hookDue > 0) out[`HOOKDUE#<n> (one of ${HOOKDUE_SHARDS} shards)`] = hookDue / HOOKDUE_SHARDS;
  return out;
}
