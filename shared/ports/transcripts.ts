import type { Conversation } from './dialer.ts';

/** Conversations (transcripts, evaluations, collected data) live in S3, not in items (400 KB limit). */
export interface TranscriptStore {
  put(key: string, conversation: Conversation): Promise<void>;
  get(key: string): Promise<Conversation | null>;
}

export function transcriptKey(
  workspaceId: string,
  batchId: string,
  recipientId: string,
  attempt = 1,
): string {
  // The first attempt keeps the key it always had; a retried recipient's later calls get their own.
  const suffix = attempt > 1 ? `.${attempt}` : '';
  return `transcripts/${workspaceId}/${batchId}/${recipientId}${suffix}.json`;
}
