import type { CreateBatchInput } from '../contracts/batch.ts';
import type { PreflightReport } from '../contracts/preflight.ts';
import { estimateCalls } from '../domain/call-estimate.ts';
import { renderTemplate } from '../domain/placeholders.ts';
import { planBatch, type PlanDeps } from './batch-plan.ts';

/**
 * Preflight (contract "Preflight"): what create would do with the same body, from the same plan
 * (./batch-plan.ts), stored nowhere. `errors` are the plan's issues, so `valid` is false exactly when
 * create would refuse; an unknown agent or caller number is a 404, as for create.
 */

/** How many callable recipients the report renders the agent's first message for. */
export const PREVIEW_SIZE = 3;

export async function preflightBatch(
  deps: PlanDeps,
  workspaceId: string,
  input: CreateBatchInput,
): Promise<PreflightReport> {
  const plan = await planBatch(deps, workspaceId, input);
  const { agent, zones, skips } = plan;
  const callableIndexes = input.recipients.map((_, index) => index).filter((index) => !skips.has(index));
  const skippedFor = (reason: string) => [...skips.values()].filter((r) => r === reason).length;

  const timezones: Record<string, number> = {};
  for (const z of zones) if (z !== null) timezones[z.join(',')] = (timezones[z.join(',')] ?? 0) + 1;

  const estimate = estimateCalls({
    start: input.scheduledAt ? new Date(input.scheduledAt) : plan.now,
    recipientZones: callableIndexes.map((index) => zones[index] ?? ['UTC']),
    window: input.callingWindow,
    maxConcurrentCalls: input.maxConcurrentCalls ?? agent.maxConcurrentCalls,
    // Without a usable caller number (an error already) the default pacing stands in.
    callsPerSecond: plan.phone?.callsPerSecond ?? 1,
  });

  const preview = input.recipients
    .map((r, index) => ({ r, index }))
    .filter(({ index }) => !skips.has(index))
    .slice(0, PREVIEW_SIZE)
    .map(({ r, index }) => {
      const rendered = agent.firstMessage === null ? null : renderTemplate(agent.firstMessage, r.dynamicVars);
      return { index, phone: r.phone, firstMessage: rendered?.ok ? rendered.text : null };
    });

  return {
    errors: plan.issues,
    totalRecipients: input.recipients.length,
    callable: callableIndexes.length - plan.contactLimited,
    skipped: {
      suppressed: skippedFor('suppressed'),
      duplicate: skippedFor('duplicate'),
      contactLimit: plan.contactLimited,
    },
    placeholders: plan.placeholders,
    timezones,
    unresolved: zones.filter((z) => z === null).length,
    estimate,
    preview,
  };
}
