/** What the dial's claim (RunStore.claimRecipient) answers and what it may take besides the call slots. */

/** A claim taken, with the workspace live-call shard it holds (the end and give-back release it). */
export interface Claimed {
  liveShard: number;
}

export type ClaimResult =
  | Claimed
  | 'not_pending'
  | 'batch_not_running'
  | 'batch_full'
  | 'workspace_full'
  /** The phone is on the workspace's suppression list (now): never dialed. */
  | 'suppressed'
  /**
   * The phone's contact history changed since it was read (another batch dialed it), or reached its
   * cap for a claim that did not read it: decide again (after a prune, for the cap).
   */
  | 'contact_busy'
  /** The caller number's pacing, asked in the claim, is busy (nothing written): take a slot first. */
  | 'pacing_busy';

/** The caller number's pacing slot taken in the claim, only if the number is idle (its next slot passed). */
export interface ClaimPacing {
  phoneNumberId: string;
  intervalMs: number;
  nowMs: number;
}
