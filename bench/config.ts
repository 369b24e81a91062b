/**
 * What `npm run bench` runs and at which sizes (bench/README.md). BENCH_QUICK=1 runs small sizes to
 * try the harness; BENCH_RUN_REPEAT=<n> repeats each batch run (1 by default: a 1,000-call run takes
 * minutes).
 */

const quick = process.env.BENCH_QUICK === '1';
const runRepeat = Number(process.env.BENCH_RUN_REPEAT ?? 1);

export const CONFIG = {
  quick,
  coldStart: { runs: quick ? 2 : 5 },
  create: { recipients: 1000, runs: quick ? 2 : 3, requestsPerRun: quick ? 3 : 8 },
  preflight: { recipients: 1000, runs: quick ? 2 : 3, requestsPerRun: quick ? 3 : 8 },
  run: {
    // The runs (1,000 × 1 s calls at N = 10 and 50), one with a single call slot (the
    // hand-over's own latency, no contention), and one with longer calls to show how the ratio depends
    // on the call length: the slot hand-over costs the same whatever the call.
    scenarios: [
      // One call slot: each hand-over alone, on a machine not yet busy with the others.
      { recipients: quick ? 15 : 40, concurrency: 1, callMs: 1000 },
      { recipients: quick ? 200 : 1000, concurrency: 10, callMs: 1000 },
      { recipients: quick ? 200 : 1000, concurrency: 50, callMs: 1000 },
      { recipients: quick ? 50 : 100, concurrency: 10, callMs: 5000 },
    ],
    callsPerSecond: 100,
    // Each real provider's path beside the simulated one (cost only: its timings are the fake's).
    providers: (['twilio', 'vapi', 'retell', 'elevenlabs'] as const).map((provider) => ({
      provider,
      recipients: quick ? 50 : 200,
      concurrency: 10,
      callMs: 1000,
    })),
    repeat: runRepeat,
    webhookThroughputRuns: quick ? 1 : 3,
  },
  load: { clients: 20, durationMs: quick ? 8_000 : 30_000, runs: 1 },
  // Many workspaces and batches at once (docs/capacity.md): the requests per call the model projects.
  capacity: {
    workspaces: quick ? 3 : 6,
    batchesPerWorkspace: quick ? 2 : 3,
    recipientsPerBatch: quick ? 10 : 50,
    concurrency: 10,
    callMs: 1000,
    peakFactor: 10,
    meanCallSeconds: 60,
    timeoutMs: 15 * 60_000,
  },
  // Healthy running batches: the 1 vs 200.
  sweeper: { sizes: [1, quick ? 20 : 200], steadyRuns: 3 },
};
