/** An AI voice agent: what it says, which number it calls from, and where its webhooks go. */

export const WEBHOOK_EVENTS = [
  'conversation.completed',
  'call.failed',
  'call.retry_scheduled',
  'batch.completed',
  'batch.failed',
  'batch.paused',
  'batch.resumed',
  'batch.cancelled',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface EvaluationCriterion {
  id: string;
  description: string;
}

export interface DataCollectionField {
  id: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
}

export interface AgentTelephony {
  twiml_url?: string;
  elevenlabs_agent_id?: string;
  vapi_assistant_id?: string;
  retell_agent_id?: string;
}

export interface WebhookSecret {
  secret: string;
  /** When a rotated-out secret stops signing (null for the current one). */
  expiresAt: string | null;
}

export interface Agent {
  id: string;
  workspaceId: string;
  name: string;
  prompt: string;
  firstMessage: string | null;
  phoneNumberId: string | null;
  telephony: AgentTelephony;
  webhookUrl: string | null;
  webhookEvents: WebhookEvent[];
  /** Current secret first; a rotated-out one keeps signing alongside for 24 h. */
  webhookSecrets: WebhookSecret[];
  evaluationCriteria: EvaluationCriterion[];
  dataCollection: DataCollectionField[];
  /** A boolean data-collection item that, true at a call's end, puts the phone on the suppression list. */
  optOutDataCollectionId: string | null;
  maxConcurrentCalls: number;
  createdAt: string;
  updatedAt: string;
}

export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Secrets that still sign at `now`: the current one and any rotated-out one within its overlap. */
export function activeSecrets(agent: Pick<Agent, 'webhookSecrets'>, now: Date): WebhookSecret[] {
  return agent.webhookSecrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime());
}

/** The new secret list after a rotation: the new one current, the old current one expiring in 24 h. */
export function rotateSecrets(current: WebhookSecret[], fresh: string, now: Date): WebhookSecret[] {
  const expiresAt = new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString();
  const kept = current
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => (s.expiresAt === null ? { ...s, expiresAt } : s));
  // Bounded, so rotating in a loop cannot grow the agent item past DynamoDB's 400 KB: beyond it the
  // oldest rotated-out secrets stop signing before their 24 h are up.
  return [{ secret: fresh, expiresAt: null }, ...kept].slice(0, MAX_WEBHOOK_SECRETS);
}

/** The current secret plus at most nine rotated-out ones still within their overlap. */
export const MAX_WEBHOOK_SECRETS = 10;

/** Why `optOutId` cannot be the agent's opt-out item, or null when it can (a boolean item of its own). */
export function optOutItemProblem(
  optOutId: string | null,
  dataCollection: readonly DataCollectionField[],
): string | null {
  if (optOutId === null) return null;
  const item = dataCollection.find((d) => d.id === optOutId);
  if (!item) return "must be the id of one of the agent's data_collection items";
  return item.type === 'boolean' ? null : 'must name a boolean data_collection item';
}
