/**
 * The one-time schedules' group and retry policy, apart from infra/wiring.ts so the functions that
 * create schedules (functions/lib/compose-scheduler.ts) bundle these few lines, not the whole wiring.
 * The wiring re-exports them: it stays the one description.
 */
export const SCHEDULER = {
  groupName: 'batch-calls',
  retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3_600 },
} as const;
