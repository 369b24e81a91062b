/** The product's limits, from the reference and the contract. One place, shared with the dashboard. */
export const LIMITS = {
  maxRecipients: 1_000,
  maxCsvBytes: 5 * 1024 * 1024,
  scheduleWindowMs: 30 * 24 * 60 * 60 * 1000,
  ringingTimeoutMs: { min: 1_000, max: 80_000, default: 30_000 },
  maxConcurrentCalls: { min: 1, max: 100, default: 10 },
  callsPerSecond: { min: 0.1, max: 100, default: 1 },
  batchName: { min: 1, max: 200 },
  idempotencyKeyMaxLength: 255,
  idempotencyTtlSeconds: 24 * 60 * 60,
  page: { default: 50, max: 200 },
  dynamicVarKeyMaxLength: 100,
  dynamicVarValueMaxLength: 1_000,
} as const;
