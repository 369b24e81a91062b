import { HOT_ITEMS } from '../lib/capacity-limits.ts';
import { unitsByItemType } from '../lib/capacity-demands.ts';
import type { LimitRow } from '../lib/capacity-model.ts';
import type { CapacityResult } from './capacity.ts';

/** The capacity section's lines of the bench table: the inputs measured, then each load's verdict. */

const r = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '∞');

/** "1.2k" style for rates and loads. */
function short(n: number): string {
  if (!Number.isFinite(n)) return 'never';
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 100) return String(Math.round(n));
  return n.toFixed(1);
}

/** The resource's name without its description ("item WS:WS", "partition WS#…"). */
const nameOf = (row: LimitRow) => row.resource.split(': ')[0] ?? row.resource;

function describe(row: LimitRow): string {
  return `${nameOf(row)}: ${short(row.rate)} of ${short(row.limit)} ${row.unit} (${r(row.utilization * 100, 0)} %)`;
}

export function capacityRows(result: CapacityResult): string[][] {
  const { perCall, meanDurationMs } = result.inputs;
  const local = result.localDurationMs;
  const { writes } = unitsByItemType(perCall.dynamodbDetails);
  const hot = Object.keys(HOT_ITEMS)
    .filter((type) => writes[type])
    .map((type) => `${type} ${r(writes[type] ?? 0, 2)}`)
    .join(', ');
  const index = Object.entries(perCall.indexWrites)
    .map(([partition, n]) => `${partition} ${r(n, 2)}`)
    .join(', ');
  const invocations = Object.entries(perCall.invocations)
    .map(([fn, n]) => `${fn} ${r(n, 2)} × ${r(meanDurationMs[fn] ?? 0, 0)} (${r(local[fn] ?? 0, 0)}) ms`)
    .join(', ');
  const rows: string[][] = [
    [
      `capacity: ${result.calls} calls, ${result.options.workspaces} workspaces × ${result.options.batchesPerWorkspace} batches`,
      `per call: DynamoDB ${r(perCall.requests.dynamodb ?? 0)} (${r(perCall.writeUnits)} WCU, ${r(perCall.readUnits)} RCU), SQS ${r(perCall.requests.sqs ?? 0)}`,
      `API ${r(perCall.apiRequests, 2)} + callbacks ${r(perCall.callbacks, 2)}, schedules ${r(perCall.schedules, 3)}; ${r(result.runSeconds, 0)} s`,
    ],
    [`  hot item writes per call (WCU)`, hot, `GSI1 writes per call: ${index || 'none'}`],
    [`  Lambda per call`, invocations, 'invocations × assumed Lambda duration (measured locally)'],
  ];
  for (const p of result.projections) {
    rows.push([
      `  ${p.load.name}`,
      `first limit: ${nameOf(p.firstLimit)} ${p.firstLimit.unit} at ${short(p.firstLimit.reachedAtCallsPerSecond)} calls/s`,
      `${r(p.load.callsPerSecond, 1)} calls/s, ${Math.round(p.concurrentCalls)} live; busiest: ${describe(p.busiest)}`,
    ]);
    for (const row of p.rows.slice(1, 4))
      rows.push(['', describe(row), `reached at ${short(row.reachedAtCallsPerSecond)} calls/s`]);
  }
  return rows;
}
