/** A tenant. Every resource belongs to exactly one workspace; API keys map to one workspace. */

export interface Workspace {
  id: string;
  name: string;
  /** Upper bound on live calls across all batches of the workspace (call slots, DESIGN.md §3). */
  maxLiveCalls: number;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  name: string | null;
  /** The first characters of the key, to recognise it in a list; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const DEFAULT_WORKSPACE_MAX_LIVE_CALLS = 100;
