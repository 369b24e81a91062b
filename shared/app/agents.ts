import type { CreateAgentRequest, UpdateAgentRequest } from '../contracts/agent.ts';
import { optOutItemProblem, rotateSecrets, type Agent } from '../domain/agent.ts';
import { ConflictError, NotFoundError, StateConflictError, ValidationError } from '../domain/errors.ts';
import { isId, newId } from '../domain/ids.ts';
import { generateWebhookSecret } from '../domain/webhook-secret.ts';
import type { Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';
import { assertWebhookUrlAllowed } from './webhook-url-policy.ts';

/**
 * Agent use cases. A webhook secret is made when a webhook URL is first set and shown in that one
 * answer (and on rotation); it is never readable again.
 */

export interface AgentWithSecret {
  agent: Agent;
  /** Present only in the answer that created it. */
  newSecret?: string;
}

async function assertPhoneNumberExists(deps: Pick<AppDeps, 'store'>, workspaceId: string, id: string) {
  if (!isId('phoneNumber', id) || !(await deps.store.getPhoneNumber(workspaceId, id))) {
    throw new NotFoundError(`Phone number ${id} does not exist.`, 'phone_number_not_found');
  }
}

/** The opt-out item must be one of the agent's boolean data-collection items (a 400 naming it). */
function checkedOptOut(optOutId: string | null, dataCollection: Agent['dataCollection']): string | null {
  const problem = optOutItemProblem(optOutId, dataCollection);
  if (problem) throw new ValidationError([{ path: 'opt_out_data_collection_id', message: problem }]);
  return optOutId;
}

export async function createAgent(
  deps: Pick<AppDeps, 'store' | 'clock' | 'resolveHost' | 'webhookAllowLoopback'>,
  workspaceId: string,
  input: CreateAgentRequest,
): Promise<AgentWithSecret> {
  const webhookUrl = input.webhook_url
    ? await assertWebhookUrlAllowed(input.webhook_url, {
        allowLoopback: deps.webhookAllowLoopback,
        resolveHost: deps.resolveHost,
      })
    : null;
  if (input.phone_number_id) await assertPhoneNumberExists(deps, workspaceId, input.phone_number_id);

  const now = deps.clock().toISOString();
  const secret = webhookUrl ? generateWebhookSecret() : undefined;
  const agent: Agent = {
    id: newId('agent'),
    workspaceId,
    name: input.name,
    prompt: input.prompt,
    firstMessage: input.first_message,
    phoneNumberId: input.phone_number_id,
    telephony: input.telephony,
    webhookUrl,
    webhookEvents: input.webhook_events,
    webhookSecrets: secret ? [{ secret, expiresAt: null }] : [],
    evaluationCriteria: input.evaluation_criteria,
    dataCollection: input.data_collection,
    optOutDataCollectionId: checkedOptOut(input.opt_out_data_collection_id, input.data_collection),
    maxConcurrentCalls: input.max_concurrent_calls,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.putAgent(agent);
  return secret ? { agent, newSecret: secret } : { agent };
}

export async function getAgent(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  id: string,
): Promise<Agent> {
  const agent = await deps.store.getAgent(workspaceId, id);
  if (!agent) throw new NotFoundError(`Agent ${id} does not exist.`, 'agent_not_found');
  return agent;
}

export function listAgents(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  page: PageRequest,
): Promise<Page<Agent>> {
  return deps.store.listAgents(workspaceId, page);
}

/** Saves an edited agent unless someone else changed it since it was read (then 409, retry). */
async function replace(deps: Pick<AppDeps, 'store'>, next: Agent, previous: Agent): Promise<void> {
  try {
    await deps.store.replaceAgent(next, previous.updatedAt);
  } catch (error) {
    if (error instanceof StateConflictError) {
      throw new ConflictError(
        'conflict',
        `Agent ${previous.id} was changed or deleted meanwhile; read it and retry.`,
      );
    }
    throw error;
  }
}

/** The next updatedAt: strictly after the previous one, so the optimistic check always sees a change. */
function nextTimestamp(now: Date, previous: string): string {
  const prev = Date.parse(previous);
  return new Date(Math.max(now.getTime(), prev + 1)).toISOString();
}

export async function updateAgent(
  deps: Pick<AppDeps, 'store' | 'clock' | 'resolveHost' | 'webhookAllowLoopback'>,
  workspaceId: string,
  id: string,
  patch: UpdateAgentRequest,
): Promise<AgentWithSecret> {
  const current = await getAgent(deps, workspaceId, id);
  let webhookUrl = current.webhookUrl;
  if (patch.webhook_url !== undefined) {
    webhookUrl =
      patch.webhook_url === null
        ? null
        : await assertWebhookUrlAllowed(patch.webhook_url, {
            allowLoopback: deps.webhookAllowLoopback,
            resolveHost: deps.resolveHost,
          });
  }
  if (patch.phone_number_id) await assertPhoneNumberExists(deps, workspaceId, patch.phone_number_id);

  // A URL set for the first time gets a secret; removing the URL drops the secrets with it.
  let secrets = current.webhookSecrets;
  let newSecret: string | undefined;
  if (webhookUrl === null) secrets = [];
  else if (secrets.length === 0) {
    newSecret = generateWebhookSecret();
    secrets = [{ secret: newSecret, expiresAt: null }];
  }

  const next: Agent = {
    ...current,
    name: patch.name ?? current.name,
    prompt: patch.prompt ?? current.prompt,
    firstMessage: patch.first_message !== undefined ? patch.first_message : current.firstMessage,
    phoneNumberId: patch.phone_number_id !== undefined ? patch.phone_number_id : current.phoneNumberId,
    telephony: patch.telephony ?? current.telephony,
    webhookUrl,
    webhookEvents: patch.webhook_events ?? current.webhookEvents,
    webhookSecrets: secrets,
    evaluationCriteria: patch.evaluation_criteria ?? current.evaluationCriteria,
    dataCollection: patch.data_collection ?? current.dataCollection,
    optOutDataCollectionId: checkedOptOut(
      patch.opt_out_data_collection_id !== undefined
        ? patch.opt_out_data_collection_id
        : current.optOutDataCollectionId,
      patch.data_collection ?? current.dataCollection,
    ),
    maxConcurrentCalls: patch.max_concurrent_calls ?? current.maxConcurrentCalls,
    updatedAt: nextTimestamp(deps.clock(), current.updatedAt),
  };
  await replace(deps, next, current);
  return newSecret ? { agent: next, newSecret } : { agent: next };
}

export async function deleteAgent(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  id: string,
): Promise<void> {
  if (!(await deps.store.deleteAgent(workspaceId, id))) {
    throw new NotFoundError(`Agent ${id} does not exist.`, 'agent_not_found');
  }
}

/** A new current secret; the previous one keeps signing alongside for 24 h so receivers can switch. */
export async function rotateWebhookSecret(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  workspaceId: string,
  id: string,
): Promise<AgentWithSecret> {
  const current = await getAgent(deps, workspaceId, id);
  if (!current.webhookUrl) {
    throw new ValidationError([
      { path: 'webhook_url', message: 'is not set: an agent without a webhook URL has no secret' },
    ]);
  }
  const now = deps.clock();
  const newSecret = generateWebhookSecret();
  const next: Agent = {
    ...current,
    webhookSecrets: rotateSecrets(current.webhookSecrets, newSecret, now),
    updatedAt: nextTimestamp(now, current.updatedAt),
  };
  await replace(deps, next, current);
  return { agent: next, newSecret };
}
