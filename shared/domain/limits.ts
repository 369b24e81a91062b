/**
 * The product's limits, from the reference and the contract. One place, shared with the dashboard.
 * docs/limits.md says why each one is what it is; test/unit/item-size.test.ts proves that no input
 * these limits accept can make a stored item exceed DynamoDB's 400 KB.
 */
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
  /** Variables of one recipient (JSON: `dynamic_vars` plus extra fields; CSV: columns besides `phone`). */
  dynamicVarsPerRecipient: 50,
  dynamicVarKeyMaxLength: 100,
  dynamicVarValueMaxLength: 1_000,
  /**
   * Numbers in `dynamic_vars`: integers only within ±(2^53 − 1) (beyond it JSON has already rounded
   * them), and no non-zero magnitude below DynamoDB's smallest number (1e-130). Every other finite
   * double has at most 17 significant digits, within DynamoDB's 38.
   */
  dynamicVarNumber: { maxMagnitude: Number.MAX_SAFE_INTEGER, minNonZeroMagnitude: 1e-130 },
  /** A CSV's header: `phone` plus at most `dynamicVarsPerRecipient` variable columns. */
  csvMaxColumns: 51,
  /** Suppression list (docs/limits.md, "Suppression list"). */
  suppression: {
    reasonMaxLength: 200,
    /** `expires_at` at most this far ahead: 5 years (a do-not-call entry's usual lifetime). */
    maxExpiryMs: 5 * 365 * 24 * 60 * 60 * 1000,
    /** Data rows of one imported CSV (the 5 MB file limit applies too). */
    csvMaxRows: 1_000,
  },
} as const;

/** DynamoDB's own limits, which the limits above are chosen to stay within. */
export const DYNAMODB_LIMITS = {
  /** The maximum item size, attribute names included (400 KB = 409,600 bytes). */
  itemBytes: 400 * 1024,
  /** Partition key values are at most 2,048 bytes, sort key values 1,024. */
  partitionKeyBytes: 2_048,
  sortKeyBytes: 1_024,
  /** Numbers: up to 38 significant digits; positive magnitudes from 1e-130 to below 1e126. */
  numberMaxMagnitudeExclusive: 1e126,
  numberMinMagnitude: 1e-130,
  numberMaxDigits: 38,
} as const;
