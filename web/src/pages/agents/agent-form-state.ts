import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import { WEBHOOK_EVENTS } from '../../../../shared/domain/agent.ts';
import { LIMITS } from '../../../../shared/domain/limits.ts';
import { signal } from '@preact/signals-core';
import { type Item, type ItemColumn, itemValues } from '../../components/item-editor.tsx';

/** The agent form's values as signals, starting from the agent being edited (or the defaults). */

export const TELEPHONY_KEYS = [
  'twiml_url',
  'elevenlabs_agent_id',
  'vapi_assistant_id',
  'retell_agent_id',
] as const;

export const CRITERIA_COLUMNS: readonly ItemColumn[] = [
  { key: 'id', label: 'Id' },
  { key: 'description', label: 'Description' },
];

export const DATA_COLUMNS: readonly ItemColumn[] = [
  { key: 'id', label: 'Id' },
  { key: 'type', label: 'Type', options: ['string', 'number', 'boolean'] },
  { key: 'description', label: 'Description' },
];

export function createAgentFormState(agent: AgentObject | null) {
  return {
    name: signal(agent?.name ?? ''),
    prompt: signal(agent?.prompt ?? ''),
    firstMessage: signal(agent?.first_message ?? ''),
    phoneNumberId: signal(agent?.phone_number_id ?? ''),
    webhookUrl: signal(agent?.webhook_url ?? ''),
    events: signal<string[]>([...(agent?.webhook_events ?? ['conversation.completed'])]),
    maxConcurrent: signal(String(agent?.max_concurrent_calls ?? LIMITS.maxConcurrentCalls.default)),
    telephony: signal<Record<string, string>>(
      Object.fromEntries(TELEPHONY_KEYS.map((key) => [key, agent?.telephony[key] ?? ''])),
    ),
    criteria: signal<Item[]>((agent?.evaluation_criteria ?? []).map((c) => ({ ...c }))),
    dataCollection: signal<Item[]>((agent?.data_collection ?? []).map((d) => ({ ...d }))),
  };
}

export type AgentFormState = ReturnType<typeof createAgentFormState>;

/** The create or update request the form's values make (checked by the contract's schema next). */
export function agentRequest(s: AgentFormState): Record<string, unknown> {
  const orNull = (v: string) => (v.trim() === '' ? null : v);
  const telephony = Object.fromEntries(
    TELEPHONY_KEYS.map((key) => [key, (s.telephony.value[key] ?? '').trim()]).filter(([, v]) => v !== ''),
  );
  const max = s.maxConcurrent.value.trim();
  return {
    name: s.name.value,
    prompt: s.prompt.value,
    first_message: orNull(s.firstMessage.value),
    phone_number_id: orNull(s.phoneNumberId.value),
    webhook_url: orNull(s.webhookUrl.value.trim()),
    // In the order the API lists them, as the checkboxes are.
    webhook_events: WEBHOOK_EVENTS.filter((e) => s.events.value.includes(e)),
    max_concurrent_calls: max === '' ? undefined : Number(max),
    telephony,
    evaluation_criteria: itemValues(s.criteria.value, CRITERIA_COLUMNS),
    data_collection: itemValues(s.dataCollection.value, DATA_COLUMNS),
  };
}
