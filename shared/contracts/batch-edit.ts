import * as z from 'zod';
import type { Batch } from '../domain/batch.ts';
import { type FieldIssue, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';
import { validateCallingWindow, validateGuardrails, validateRetry, type FieldCheck } from './campaign.ts';
import { zodIssuesToFields } from './common.ts';

/**
 * `PATCH /v1/agents/batch-calls/:id` of a paused batch (contract "Guardrails"): its concurrency,
 * retries, calling window and guardrails, by the same rules as create. `calling_window` and
 * `guardrails` may be null to remove them; `retry: null` goes back to one attempt.
 */
export const batchEditSchema = z.strictObject({
  max_concurrent_calls: z
    .number()
    .int()
    .min(LIMITS.maxConcurrentCalls.min)
    .max(LIMITS.maxConcurrentCalls.max)
    .optional(),
  retry: z.unknown().optional(),
  calling_window: z.unknown().optional(),
  guardrails: z.unknown().optional(),
});

export type BatchEditInput = Partial<
  Pick<Batch, 'maxConcurrentCalls' | 'retry' | 'callingWindow' | 'guardrails'>
>;

const ONE_ATTEMPT = { maxAttempts: 1, rules: {} };

export function validateBatchEdit(body: unknown): BatchEditInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ path: '', message: 'the request body must be a JSON object' }]);
  }
  const raw = body as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const shape = batchEditSchema.safeParse(raw);
  if (!shape.success) issues.push(...zodIssuesToFields(shape.error));
  const edit: BatchEditInput = {};
  const field = <T>(name: string, validate: (raw: unknown, path: string) => FieldCheck<T>) => {
    if (!(name in raw)) return undefined;
    if (raw[name] === null) return null;
    const check = validate(raw[name], name);
    if (check.ok) return check.value;
    issues.push(...check.issues);
    return undefined;
  };
  const retry = field('retry', validateRetry);
  const callingWindow = field('calling_window', validateCallingWindow);
  const guardrails = field('guardrails', validateGuardrails);
  if (issues.length > 0 || !shape.success) throw new ValidationError(issues);
  if (shape.data.max_concurrent_calls !== undefined)
    edit.maxConcurrentCalls = shape.data.max_concurrent_calls;
  if (retry !== undefined) edit.retry = retry ?? ONE_ATTEMPT;
  if (callingWindow !== undefined) edit.callingWindow = callingWindow;
  if (guardrails !== undefined) edit.guardrails = guardrails;
  return edit;
}
