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

import {
  LIVE_CALL_SHARD_SIZE,
  MAX_LIVE_CALL_SHARDS,
  liveCallShardCount,
} from '#shared/domain/live-call-shards.ts';
import type { Scope } from './capacity-limits.ts';
import { limitDemands } from './capacity-demands.ts';

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

/** Calls per second flowing through one item or partition of `scope`, and its ceiling if capped. */
function scopeRate(scope: Scope, load: Load, deployment: Deployment): { rate: number; cap: number } {
  const workspace = load.callsPerSecond * load.busiestWorkspaceShare;
  switch (scope) {
    case 'global':
      return { rate: load.callsPerSecond, cap: Infinity };
    case 'workspace':
      return { rate: workspace, cap: Infinity };
    case 'liveCallShard': {
      // The workspace's limit holds at least its live calls at the load: that many shards share them.
      const shards = liveCallShardCount(Math.ceil(workspace * load.meanCallSeconds));
      return { rate: workspace / shards, cap: Infinity };
    }
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
  if (scope === 'liveCallShard') {
    // A full shard (250 live calls) starts 250 ÷ call length a second: below `needed`, shards are
    // added as the load grows and every one stays below the limit until the count stops at its maximum.
    const fullShard = LIVE_CALL_SHARD_SIZE / load.meanCallSeconds;
    return (fullShard < needed ? needed * MAX_LIVE_CALL_SHARDS : needed) / load.busiestWorkspaceShare;
  }
  return scope === 'global' ? needed : needed / load.busiestWorkspaceShare;
}

/** What one limit is asked per call of its scope: a LimitRow before a load is applied. */
export type Demand = Omit<LimitRow, 'rate' | 'utilization' | 'reachedAtCallsPerSecond'>;

function row(base: Demand, load: Load, deployment: Deployment): LimitRow {
  const rate = base.perCall * scopeRate(base.scope, load, deployment).rate;
  return {
    ...base,
    rate,
    utilization: Number.isFinite(base.limit) ? rate / base.limit : 0,
    reachedAtCallsPerSecond: reachedAt(base.perCall, base.limit, base.scope, load, deployment),
  };
}

/** Every limit row at one load, sorted by utilization (busiest first). */
export function projectCapacity(inputs: MeasuredInputs, load: Load, deployment: Deployment): Projection {
  const rows = limitDemands(inputs, deployment).map((demand) => row(demand, load, deployment));
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
