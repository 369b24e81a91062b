/**
 * The workspace-wide suppression list (contract "Suppression list and opt-outs"): phones that must
 * never be dialed. One entry per E.164 phone and workspace. An entry added through the API has
 * `source: 'api'`; one captured from a conversation (the callee opted out) has `source: 'call'` and
 * names that conversation. An entry with `expiresAt` stops counting at that instant, whether or not
 * storage has removed it yet.
 */

export const SUPPRESSION_SOURCES = ['api', 'call'] as const;
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

export interface Suppression {
  id: string;
  workspaceId: string;
  /** E.164, normalized like a recipient's phone. */
  phone: string;
  reason: string | null;
  source: SuppressionSource;
  conversationId: string | null;
  /** The batch and recipient of that conversation (a `call` entry), so it can be found again. */
  batchId: string | null;
  recipientId: string | null;
  createdAt: string;
  expiresAt: string | null;
}

/** True while the entry counts: no expiry, or an expiry strictly after `now`. */
export function isSuppressionActive(entry: Pick<Suppression, 'expiresAt'>, now: Date): boolean {
  return entry.expiresAt === null || Date.parse(entry.expiresAt) > now.getTime();
}
