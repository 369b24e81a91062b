import type { SimulatedCall } from '#infra/local/network/simulated-network.ts';

/** The most calls live at one moment, from the simulated network's own placed/ended times. */
export function maxLiveCalls(calls: readonly SimulatedCall[]): number {
  const edges = calls.flatMap((call) => [
    { at: Date.parse(call.placedAt), delta: 1 },
    { at: Date.parse(call.endedAt ?? call.placedAt), delta: -1 },
  ]);
  // An end and a start at the same instant do not overlap: ends first.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let live = 0;
  let max = 0;
  for (const edge of edges) max = Math.max(max, (live += edge.delta));
  return max;
}
