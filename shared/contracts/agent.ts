import * as z from 'zod';
import { type Agent, WEBHOOK_EVENTS } from '../domain/agent.ts';
import { LIMITS } from '../domain/limits.ts';
import { checkWebhookUrlSyntax } from '../domain/webhook-url.ts';
import { listEnvelope } from './common.ts';

/**
 * Agent requests and answers (contract "Agents"). The webhook URL is checked here for syntax only;
 * the use case applies the mode-dependent address rules (`checkWebhookUrl`) and, at delivery, DNS.
 */

export const AGENT_LIMITS = {
  name: { min: 1, max: 200 },
  prompt: { min: 1, max: 20_000 },
  firstMessage: { max: 20_000 },
  itemId: { max: 100 },
  description: { max: 1_000 },
  /** Items of `evaluation_criteria`, and of `data_collection`. */
  listItems: { max: 25 },
  /** `telephony.twiml_url` (a URL, as long as a webhook URL may be). */
  telephonyUrl: { max: 2_048 },
  /** `telephony.*_agent_id`: a provider's id (theirs are UUIDs or ~30-character tokens). */
  telephonyId: { max: 200 },
} as const;

/** Free text must have a UTF-8 form: a lone surrogate (`"\ud800"` in JSON) has none. */
function wellFormed<T extends z.ZodString>(schema: T) {
  return schema.refine((v) => !/\p{Cs}/u.test(v), { message: 'must be valid Unicode text' });
}

const nameSchema = wellFormed(
  z.string().trim().min(AGENT_LIMITS.name.min, { message: 'must not be empty' }).max(AGENT_LIMITS.name.max),
);
const promptSchema = wellFormed(
  z.string().min(AGENT_LIMITS.prompt.min, { message: 'must not be empty' }).max(AGENT_LIMITS.prompt.max),
);
const firstMessageSchema = wellFormed(z.string().max(AGENT_LIMITS.firstMessage.max));
// Only ids of the right shape can name anything; a longer one is refused here rather than looked up.
const idRefSchema = z.string().min(1, { message: 'must not be empty' }).max(100);

const telephonyField = wellFormed(
  z.string().min(1, { message: 'must not be empty' }).max(AGENT_LIMITS.telephonyId.max),
).optional();
export const telephonySchema = z.strictObject({
  // Twilio fetches it when the call connects: an absolute http(s) URL, or the call cannot work.
  twiml_url: z
    .string()
    .max(AGENT_LIMITS.telephonyUrl.max)
    .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' })
    .optional(),
  elevenlabs_agent_id: telephonyField,
  vapi_assistant_id: telephonyField,
  retell_agent_id: telephonyField,
});

export const webhookUrlSchema = z.string().superRefine((value, ctx) => {
  const check = checkWebhookUrlSyntax(value);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message });
});

/** Items of a list must not share an id (the reports key results by it). */
function uniqueBy<T>(key: (item: T) => string, field: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else
        ctx.addIssue({ code: 'custom', path: [i, field], message: `repeats the ${field} of item ${first}` });
    });
  };
}

export const webhookEventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1, { message: 'must name at least one event' })
  .superRefine((events, ctx) => {
    events.forEach((event, i) => {
      if (events.indexOf(event) !== i)
        ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${event}` });
    });
  });

const itemIdSchema = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(AGENT_LIMITS.itemId.max)
  .regex(/^[A-Za-z0-9_.-]+$/, { message: 'may hold only letters, digits, _, . and -' });
const descriptionSchema = wellFormed(
  z.string().min(1, { message: 'must not be empty' }).max(AGENT_LIMITS.description.max),
);

export const evaluationCriteriaSchema = z
  .array(z.strictObject({ id: itemIdSchema, description: descriptionSchema }))
  .max(AGENT_LIMITS.listItems.max)
  .superRefine(uniqueBy((c: { id: string }) => c.id, 'id'));

export const dataCollectionSchema = z
  .array(
    z.strictObject({
      id: itemIdSchema,
      type: z.enum(['string', 'number', 'boolean']),
      description: descriptionSchema,
    }),
  )
  .max(AGENT_LIMITS.listItems.max)
  .superRefine(uniqueBy((c: { id: string }) => c.id, 'id'));

const maxConcurrentSchema = z
  .number()
  .int()
  .min(LIMITS.maxConcurrentCalls.min)
  .max(LIMITS.maxConcurrentCalls.max);

/** `POST /v1/agents`. Defaults are filled in, so the output is the complete agent definition. */
export const createAgentSchema = z.strictObject({
  name: nameSchema,
  prompt: promptSchema,
  first_message: firstMessageSchema.nullish().transform((v) => v ?? null),
  phone_number_id: idRefSchema.nullish().transform((v) => v ?? null),
  telephony: telephonySchema.optional().transform((v) => v ?? {}),
  webhook_url: webhookUrlSchema.nullish().transform((v) => v ?? null),
  webhook_events: webhookEventsSchema.optional().transform((v) => v ?? ['conversation.completed' as const]),
  evaluation_criteria: evaluationCriteriaSchema.optional().transform((v) => v ?? []),
  data_collection: dataCollectionSchema.optional().transform((v) => v ?? []),
  opt_out_data_collection_id: idRefSchema.nullish().transform((v) => v ?? null),
  max_concurrent_calls: maxConcurrentSchema
    .optional()
    .transform((v) => v ?? LIMITS.maxConcurrentCalls.default),
});
export type CreateAgentRequest = z.output<typeof createAgentSchema>;

/**
 * `PATCH /v1/agents/:id`: only the fields given change. `first_message`, `phone_number_id` and
 * `webhook_url` may be null to clear them; `telephony` replaces the whole object.
 */
export const updateAgentSchema = z.strictObject({
  name: nameSchema.optional(),
  prompt: promptSchema.optional(),
  first_message: firstMessageSchema.nullable().optional(),
  phone_number_id: idRefSchema.nullable().optional(),
  telephony: telephonySchema.optional(),
  webhook_url: webhookUrlSchema.nullable().optional(),
  webhook_events: webhookEventsSchema.optional(),
  evaluation_criteria: evaluationCriteriaSchema.optional(),
  data_collection: dataCollectionSchema.optional(),
  opt_out_data_collection_id: idRefSchema.nullable().optional(),
  max_concurrent_calls: maxConcurrentSchema.optional(),
});
export type UpdateAgentRequest = z.output<typeof updateAgentSchema>;

export const agentObjectSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  prompt: z.string(),
  first_message: z.string().nullable(),
  phone_number_id: z.string().nullable(),
  telephony: telephonySchema,
  webhook_url: z.string().nullable(),
  webhook_events: z.array(z.enum(WEBHOOK_EVENTS)),
  evaluation_criteria: z.array(z.strictObject({ id: z.string(), description: z.string() })),
  data_collection: z.array(
    z.strictObject({
      id: z.string(),
      type: z.enum(['string', 'number', 'boolean']),
      description: z.string(),
    }),
  ),
  opt_out_data_collection_id: z.string().nullable(),
  max_concurrent_calls: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Only in the answer that created the secret (create with a webhook URL, or a rotation). */
  webhook_secret: z.string().optional(),
});
export type AgentObject = z.infer<typeof agentObjectSchema>;

export const agentListResponseSchema = listEnvelope(agentObjectSchema, 'agents');
export type AgentListResponse = z.infer<typeof agentListResponseSchema>;

/** The domain agent as the API shows it; the secret only when the caller says this answer may carry it. */
export function toAgentObject(agent: Agent, opts: { revealSecret?: boolean } = {}): AgentObject {
  const current = agent.webhookSecrets.find((s) => s.expiresAt === null);
  return {
    id: agent.id,
    name: agent.name,
    prompt: agent.prompt,
    first_message: agent.firstMessage,
    phone_number_id: agent.phoneNumberId,
    telephony: { ...agent.telephony },
    webhook_url: agent.webhookUrl,
    webhook_events: [...agent.webhookEvents],
    evaluation_criteria: agent.evaluationCriteria.map((c) => ({ id: c.id, description: c.description })),
    data_collection: agent.dataCollection.map((d) => ({
      id: d.id,
      type: d.type,
      description: d.description,
    })),
    opt_out_data_collection_id: agent.optOutDataCollectionId,
    max_concurrent_calls: agent.maxConcurrentCalls,
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    ...(opts.revealSecret === true && current !== undefined ? { webhook_secret: current.secret } : {}),
  };
}
