import type { ContactAttempt } from '../domain/contact-limit.ts';
import type { Agent } from '../domain/agent.ts';
import type { Batch, BatchStatus } from '../domain/batch.ts';
import type { PhoneNumber } from '../domain/phone-number.ts';
import type { Recipient, RecipientFilter } from '../domain/recipient.ts';

export type { RecipientFilter };
import type { Suppression } from '../domain/suppression.ts';
import type { ApiKeyRecord, Workspace } from '../domain/workspace.ts';

/**
 * What the use cases need from storage. The DynamoDB adapter implements it; nothing else in the
 * domain knows about tables or keys. Every method is scoped to a workspace where the data is.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor: string | null;
}

export interface BatchFilter {
  status?: BatchStatus;
  agentId?: string;
}

export interface IdempotencyRecord {
  workspaceId: string;
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is a conflict. */
  requestHash: string;
  state: 'in_progress' | 'completed';
  response: { statusCode: number; headers: Record<string, string>; body: string } | null;
  createdAt: string;
}

export interface WorkspaceStore {
  createWorkspace(workspace: Workspace): Promise<void>;
  getWorkspace(id: string): Promise<Workspace | null>;
  /**
   * Sets the workspace's live-call limit and reshards its counter for it (docs/capacity.md); false
   * when there is no such workspace. A lowered limit holds as the calls live above it end.
   */
  setMaxLiveCalls(workspaceId: string, limit: number): Promise<boolean>;
  createApiKey(record: ApiKeyRecord, keyHash: string): Promise<void>;
  /** The workspace a key hash belongs to, unless the key is unknown or revoked. */
  resolveApiKey(keyHash: string): Promise<{ workspaceId: string; keyId: string } | null>;
  listApiKeys(workspaceId: string): Promise<ApiKeyRecord[]>;
  /** Revokes a key; returns false when the workspace has no such key. Revoking twice is fine. */
  revokeApiKey(workspaceId: string, keyId: string, at: string): Promise<boolean>;
}

export interface PhoneNumberStore {
  putPhoneNumber(phone: PhoneNumber): Promise<void>;
  getPhoneNumber(workspaceId: string, id: string): Promise<PhoneNumber | null>;
  listPhoneNumbers(workspaceId: string, page: PageRequest): Promise<Page<PhoneNumber>>;
  deletePhoneNumber(workspaceId: string, id: string): Promise<boolean>;
}

export interface AgentStore {
  putAgent(agent: Agent): Promise<void>;
  /** Replaces an existing agent, conditioned on it still existing and on `expectedUpdatedAt`. */
  replaceAgent(agent: Agent, expectedUpdatedAt: string): Promise<void>;
  getAgent(workspaceId: string, id: string): Promise<Agent | null>;
  listAgents(workspaceId: string, page: PageRequest): Promise<Page<Agent>>;
  deleteAgent(workspaceId: string, id: string): Promise<boolean>;
}

/** What a status change may set with it. */
export type BatchChanges = Partial<
  Pick<
    Batch,
    | 'startedAt'
    | 'completedAt'
    | 'cancelledAt'
    | 'failureReason'
    | 'pauseReason'
    | 'pausedAt'
    | 'stoppedAt'
    | 'counts'
  >
>;

/** What a PATCH of a paused batch may change. */
export type BatchEdit = Partial<Pick<Batch, 'maxConcurrentCalls' | 'retry' | 'callingWindow' | 'guardrails'>>;

export interface BatchStore {
  /**
   * Writes the recipients first and the batch item last (conditional put), so a crash mid-create
   * leaves no visible half batch; a failed create deletes what it wrote, and what a crash leaves is
   * found by the sweeper (listAbandonedBatchCreations). An item DynamoDB could not store is refused
   * before anything is written (a 4xx domain error).
   */
  createBatch(batch: Batch, recipients: Recipient[]): Promise<void>;
  /**
   * Creates that started before `startedBefore` and never finished nor were undone (a crash, a failed
   * clean-up): their recipients may be stored without a batch. For the sweeper.
   */
  listAbandonedBatchCreations(startedBefore: string): Promise<{ workspaceId: string; batchId: string }[]>;
  /**
   * Finishes an abandoned create: when its batch exists only the marker goes; otherwise every recipient
   * stored under it is deleted, then the marker.
   */
  discardAbandonedBatchCreation(
    workspaceId: string,
    batchId: string,
  ): Promise<{ discardedRecipients: number }>;
  getBatch(workspaceId: string, id: string): Promise<Batch | null>;
  /** Every recipient of the batch in input order (paginates internally). */
  listRecipients(batchId: string): Promise<Recipient[]>;
  /** One page of the batch's recipients in input order that match `filter` (the cursor names the batch). */
  queryRecipients(batchId: string, filter: RecipientFilter, page: PageRequest): Promise<Page<Recipient>>;
  listBatches(workspaceId: string, filter: BatchFilter, page: PageRequest): Promise<Page<Batch>>;
  /**
   * Moves the batch from one of `from` to `to`, setting `changes` in the same conditional update.
   * Returns the updated batch, or throws StateConflictError with the current batch unchanged.
   */
  /**
   * Sets the given fields of a paused batch (one write conditioned on `paused`); null when the batch
   * does not exist or is not paused.
   */
  editPausedBatch(workspaceId: string, id: string, edit: BatchEdit): Promise<Batch | null>;
  transitionBatch(
    workspaceId: string,
    id: string,
    from: readonly BatchStatus[],
    to: BatchStatus,
    changes: BatchChanges,
  ): Promise<Batch>;
}

export interface IdempotencyStore {
  /** Claims the key for a request; returns the existing record when the key is already taken. */
  claimIdempotencyKey(record: IdempotencyRecord, ttlSeconds: number): Promise<IdempotencyRecord | null>;
  completeIdempotencyKey(
    workspaceId: string,
    key: string,
    response: NonNullable<IdempotencyRecord['response']>,
  ): Promise<void>;
  /** A 5xx answer releases the key so the client can retry. */
  releaseIdempotencyKey(workspaceId: string, key: string): Promise<void>;
}

/**
 * The workspace's suppression list. `now` decides what counts: an entry whose `expiresAt` has passed
 * is absent for every method, whether or not the table's TTL has removed it yet.
 */
export interface SuppressionStore {
  /**
   * Adds `entry` unless its phone already has an entry that counts; answers the entry that counts
   * afterwards and whether it is the new one. An expired entry of the same phone is replaced.
   */
  addSuppression(entry: Suppression, now: Date): Promise<{ entry: Suppression; created: boolean }>;
  getSuppression(workspaceId: string, id: string, now: Date): Promise<Suppression | null>;
  /** The entry of one phone (E.164). */
  findSuppression(workspaceId: string, phone: string, now: Date): Promise<Suppression | null>;
  /** Entries in creation order (oldest first). */
  listSuppressions(workspaceId: string, page: PageRequest, now: Date): Promise<Page<Suppression>>;
  /** Deletes an entry that counts; false when there is none with that id. */
  deleteSuppression(workspaceId: string, id: string, now: Date): Promise<boolean>;
  /** Which of `phones` (E.164) are suppressed: one BatchGetItem per 100 distinct phones. */
  isSuppressed(workspaceId: string, phones: readonly string[], now: Date): Promise<Set<string>>;
  /**
   * The recent attempts of each of `phones` across the workspace's batches (the contact limit), by
   * phone; a phone never dialed is absent. One BatchGetItem per 100 distinct phones.
   */
  contactHistories(workspaceId: string, phones: readonly string[]): Promise<Map<string, ContactAttempt[]>>;
}

export type Store = WorkspaceStore &
  PhoneNumberStore &
  AgentStore &
  BatchStore &
  IdempotencyStore &
  SuppressionStore;
