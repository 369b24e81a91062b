import { describe, expect, it } from 'vitest';
import { AWS_LIMITS } from '../../bench/lib/capacity-limits.ts';
import { parseDetail, unitsByItemType } from '../../bench/lib/capacity-demands.ts';
import {
  projectCapacity,
  standardLoads,
  type Deployment,
  type Load,
  type MeasuredInputs,
} from '../../bench/lib/capacity-model.ts';

const deployment: Deployment = {
  dialConcurrency: 25,
  webhookConcurrency: 50,
  callbackRateLimit: 2_000,
  apiRateLimit: 50,
  maxConcurrentCallsPerBatch: 100,
  maxCallsPerSecondPerNumber: 100,
};

/** 10,000 concurrent calls of 60 s, all in one workspace. */
const tenThousand: Load = {
  name: '10,000 concurrent',
  callsPerSecond: 10_000 / 60,
  meanCallSeconds: 60,
  busiestWorkspaceShare: 1,
};

function inputs(overrides: Partial<MeasuredInputs['perCall']> = {}): MeasuredInputs {
  return {
    perCall: {
      requests: { dynamodb: 8, sqs: 3 },
      dynamodbDetails: {},
      indexWrites: {},
      readUnits: 4,
      writeUnits: 10,
      invocations: {},
      callbacks: 2,
      apiRequests: 0.001,
      schedules: 0,
      ...overrides,
    },
    meanDurationMs: {},
  };
}

const rowOf = (projection: ReturnType<typeof projectCapacity>, resource: string, unit: string) => {
  const found = projection.rows.find((row) => row.resource.startsWith(resource) && row.unit === unit);
  if (!found) throw new Error(`no row ${resource} ${unit}`);
  return found;
};

describe('parseDetail and unitsByItemType', () => {
  it('reads the counting proxy detail: operation, item types, or a query partition', () => {
    expect(parseDetail('TransactWriteItems BATCH:R+WS:BATCH+WS:WS')).toEqual({
      operation: 'TransactWriteItems',
      types: ['BATCH:R', 'WS:BATCH', 'WS:WS'],
    });
    expect(parseDetail('Query GSI1 ACTIVE')).toEqual({
      operation: 'Query',
      types: [],
      queried: 'GSI1 ACTIVE',
    });
  });

  it('counts a transactional write twice on every item it touches, a plain write once', () => {
    const { writes, reads } = unitsByItemType({
      'TransactWriteItems BATCH:R+WS:WS': 1,
      'UpdateItem PACE:PACE': 1,
      'GetItem WS:AGENT': 2,
      'Query BATCH': 0.5,
    });
    expect(writes).toEqual({ 'BATCH:R': 2, 'WS:WS': 2, 'PACE:PACE': 1 });
    expect(reads).toEqual({ 'WS:AGENT': 2, 'Query BATCH': 0.5 });
  });
});

describe('projectCapacity', () => {
  it("computes a workspace-wide item's write rate from its writes per call: 2 WCU × 166.7 calls/s", () => {
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'UpdateItem WS:AGENT': 2 } }),
      tenThousand,
      deployment,
    );
    const item = rowOf(projection, 'item WS:AGENT', 'WCU/s');
    expect(item.rate).toBeCloseTo(333.3, 1);
    expect(item.utilization).toBeCloseTo(0.333, 3);
    // 1,000 WCU / 2 WCU per call: reached at 500 calls/s, i.e. 30,000 concurrent 60 s calls.
    expect(item.reachedAtCallsPerSecond).toBeCloseTo(500, 6);
  });

  it('spreads a workspace item over the workspaces when the busiest carries only a share', () => {
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'UpdateItem WS:AGENT': 2 } }),
      { ...tenThousand, busiestWorkspaceShare: 0.25 },
      deployment,
    );
    const item = rowOf(projection, 'item WS:AGENT', 'WCU/s');
    expect(item.rate).toBeCloseTo(83.3, 1);
    expect(item.reachedAtCallsPerSecond).toBeCloseTo(2_000, 6);
  });

  it("divides the live-call counter's writes over its shards: one per 250 live calls, at most 64", () => {
    // The claim's and the end's transactions: 4 WCU per call on the counter.
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'TransactWriteItems WS:WS': 2 } }),
      tenThousand,
      deployment,
    );
    const item = rowOf(projection, 'item WS:WS', 'WCU/s');
    // 10,000 live calls: 40 shards, 166.7 calls/s ÷ 40 × 4 WCU.
    expect(item.rate).toBeCloseTo(16.7, 1);
    // Each shard stays at 250 live calls (4.2 calls/s of 60 s) until the 64th: 64 × 250 calls/s.
    expect(item.reachedAtCallsPerSecond).toBeCloseTo(16_000, 6);
    // One small workspace (one shard) sees every write on its one item.
    const small = projectCapacity(
      inputs({ dynamodbDetails: { 'TransactWriteItems WS:WS': 2 } }),
      { ...tenThousand, callsPerSecond: 2 },
      deployment,
    );
    expect(rowOf(small, 'item WS:WS', 'WCU/s').rate).toBeCloseTo(8, 6);
  });

  it("caps a batch item's rate at what max_concurrent_calls allows: it can never reach the limit", () => {
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'UpdateItem WS:BATCH': 3 } }),
      tenThousand,
      deployment,
    );
    const item = rowOf(projection, 'item WS:BATCH', 'WCU/s');
    // 100 calls at once of 60 s: 1.67 calls/s through one batch item, 3 writes each.
    expect(item.rate).toBeCloseTo(5, 6);
    expect(item.reachedAtCallsPerSecond).toBe(Infinity);
  });

  it('caps a caller number at its calls_per_second setting', () => {
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'UpdateItem PACE:PACE': 20 } }),
      tenThousand,
      deployment,
    );
    const item = rowOf(projection, 'item PACE:PACE', 'WCU/s');
    expect(item.rate).toBeCloseTo(2_000, 6);
    expect(item.utilization).toBeCloseTo(2, 6);
    // 50 calls/s through one number reach 1,000 WCU: below the 100/s cap, so it is reachable.
    expect(item.reachedAtCallsPerSecond).toBeCloseTo(50, 6);
  });

  it('adds the writes of every item type of a partition', () => {
    const projection = projectCapacity(
      inputs({ dynamodbDetails: { 'TransactWriteItems WS:BATCH+WS:WS': 1, 'PutItem BATCH:HOOK': 1 } }),
      tenThousand,
      deployment,
    );
    // The live-call counter's shard 0 (WS:WS) is 1/K of the counter: left out of its partition.
    expect(rowOf(projection, 'partition WS#', 'WCU/s').perCall).toBe(2);
    expect(rowOf(projection, 'partition BATCH#', 'WCU/s').perCall).toBe(1);
  });

  it('counts an index write twice (a moved sort key is removed and added) on one global partition', () => {
    const projection = projectCapacity(inputs({ indexWrites: { ACTIVE: 1.5 } }), tenThousand, deployment);
    const index = rowOf(projection, 'GSI1 partition ACTIVE', 'WCU/s');
    expect(index.rate).toBeCloseTo(500, 6);
    expect(index.reachedAtCallsPerSecond).toBeCloseTo(1_000 / 3, 6);
  });

  it("folds the due webhooks' index shards into one row, each shard taking its share", () => {
    const projection = projectCapacity(
      inputs({ indexWrites: { 'HOOKDUE#0': 0.5, 'HOOKDUE#7': 0.25, HOOKDUE: 0.05, ACTIVE: 0.1 } }),
      tenThousand,
      deployment,
    );
    const shard = rowOf(projection, 'GSI1 partition HOOKDUE#<n> (one of 16 shards)', 'WCU/s');
    // 0.8 entries a call over 16 shards, each entry written twice (in and out of the index).
    expect(shard.perCall).toBeCloseTo((2 * 0.8) / 16, 9);
    expect(projection.rows.filter((r) => r.resource.startsWith('GSI1 partition HOOKDUE'))).toHaveLength(1);
    expect(rowOf(projection, 'GSI1 partition ACTIVE', 'WCU/s').perCall).toBeCloseTo(0.2, 9);
  });

  it("measures a function's concurrency as invocations/s × duration, against its own maximum", () => {
    const projection = projectCapacity(
      {
        ...inputs({ invocations: { dial: 0.5, providerEvents: 2 } }),
        meanDurationMs: { dial: 300, providerEvents: 100 },
      },
      tenThousand,
      deployment,
    );
    const dial = rowOf(projection, 'Lambda dial', 'concurrent');
    expect(dial.rate).toBeCloseTo(25, 6);
    expect(dial.limit).toBe(25);
    expect(dial.lift).toMatch(/dialConcurrency/);
    const all = rowOf(projection, 'Lambda concurrency, all functions', 'concurrent');
    expect(all.rate).toBeCloseTo(25 + 33.33, 1);
    expect(all.limit).toBe(AWS_LIMITS.lambdaAccountConcurrency);
  });

  it('names the first limit the load reaches as it grows, and the busiest at this load', () => {
    const projection = projectCapacity(
      inputs({
        dynamodbDetails: { 'UpdateItem WS:AGENT': 2 },
        // 2 callbacks per call: the callback throttle (2,000/s) at 1,000 calls/s; the agent item at 500.
      }),
      tenThousand,
      deployment,
    );
    expect(projection.firstLimit.resource).toMatch(/^item WS:AGENT/);
    expect(projection.busiest.resource).toMatch(/^item WS:AGENT/);
    expect(projection.concurrentCalls).toBeCloseTo(10_000, 6);
    // Sorted busiest first.
    const utilizations = projection.rows.map((row) => row.utilization);
    expect([...utilizations].sort((a, b) => b - a)).toEqual(utilizations);
  });

  it('reports a limit exceeded (utilization above 1) rather than failing', () => {
    const projection = projectCapacity(inputs({ callbacks: 20 }), tenThousand, deployment);
    const callbacks = rowOf(projection, 'API Gateway callback route', 'req/s');
    expect(callbacks.utilization).toBeGreaterThan(1);
    expect(projection.firstLimit).toBe(callbacks);
  });

  it('never names a limit that has none (SQS standard queues)', () => {
    const projection = projectCapacity(inputs({ requests: { sqs: 1_000 } }), tenThousand, deployment);
    const sqs = rowOf(projection, 'SQS', 'req/s');
    expect(sqs.utilization).toBe(0);
    expect(sqs.reachedAtCallsPerSecond).toBe(Infinity);
    expect(projection.firstLimit).not.toBe(sqs);
  });
});

describe('standardLoads', () => {
  it('is 1 M calls a day spread and peaked, and 10,000 concurrent calls', () => {
    const [spread, peak, concurrent] = standardLoads({ peakFactor: 10, meanCallSeconds: 60 });
    expect(spread?.callsPerSecond).toBeCloseTo(11.57, 2);
    expect(peak?.callsPerSecond).toBeCloseTo(115.7, 1);
    expect(concurrent?.callsPerSecond).toBeCloseTo(166.67, 2);
  });
});
