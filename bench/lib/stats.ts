/** Small statistics for the benchmark: percentiles of samples, and the median/min/max of repeated runs. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many runs the figure summarises. */
  runs: number;
}

/** Nearest-rank percentile (p in 0…100) of the samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter(Number.isFinite);
  return {
    median: percentile(finite, 50),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    runs: finite.length,
  };
}

/** Runs `once` `runs` times in a row and summarises each named figure it returns. */
export async function repeat<K extends string>(
  runs: number,
  once: (run: number) => Promise<Record<K, number>>,
): Promise<Record<K, Summary>> {
  const results: Record<K, number>[] = [];
  for (let run = 0; run < runs; run++) results.push(await once(run));
  const keys = Object.keys(results[0] ?? {}) as K[];
  return Object.fromEntries(keys.map((k) => [k, summarize(results.map((r) => r[k]))])) as Record<K, Summary>;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "12.3 (10.1–15.0)", or "12.3" for a single run. */
export function formatSummary(s: Summary, digits = 1, unit = ''): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  const fmt = (v: number) => `${round(v, digits)}${unit}`;
  return s.runs > 1 && s.min !== s.max ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}
