/**
 * One-time schedules (EventBridge Scheduler in AWS and locally): the start of a scheduled batch, and
 * the wake-up of a running batch whose recipients all wait (retries, calling windows).
 */
export interface BatchScheduler {
  /** Creates the `at(...)` schedule that starts the batch; creating it twice is fine. */
  scheduleStart(input: { workspaceId: string; batchId: string; at: string }): Promise<void>;
  /** Removes it; a missing schedule (already fired and deleted) is fine. */
  cancelStart(batchId: string): Promise<void>;
  /**
   * Creates the schedule that wakes the batch at `at` (one per batch and time, so creating it twice
   * is fine; a superseded later one fires into a no-op).
   */
  scheduleWake(input: { workspaceId: string; batchId: string; at: string }): Promise<void>;
}
