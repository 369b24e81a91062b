/** One-time start schedules for scheduled batches (EventBridge Scheduler in AWS and locally). */
export interface BatchScheduler {
  /** Creates the `at(...)` schedule that starts the batch; creating it twice is fine. */
  scheduleStart(input: { workspaceId: string; batchId: string; at: string }): Promise<void>;
  /** Removes it; a missing schedule (already fired and deleted) is fine. */
  cancelStart(batchId: string): Promise<void>;
}
