import * as z from 'zod';
import type { CallEstimate } from '../domain/call-estimate.ts';
import type { FieldIssue } from '../domain/errors.ts';
import type { PlaceholderUse } from '../domain/placeholders.ts';
import { fieldIssueSchema } from './common.ts';

/**
 * The answer of `POST /v1/agents/batch-calls/preflight` (contract "Preflight"): what create would do
 * with the same body, without storing or placing anything. The request is create's own (./batch.ts).
 * Strict, so a test catches any stray field.
 */

export const preflightSkippedSchema = z.strictObject({
  suppressed: z.number().int(),
  duplicate: z.number().int(),
  contact_limit: z.number().int(),
});

export const preflightPlaceholdersSchema = z.strictObject({
  /** Placeholders of the agent's prompt and first message, in order of first use. */
  used: z.array(z.string()),
  /** Each used placeholder some callable recipients lack, with their 0-based indexes. */
  missing: z.array(z.strictObject({ name: z.string(), rows: z.array(z.number().int()) })),
  /** Variables the recipients carry that no placeholder uses (`timezone` excepted: the window uses it). */
  unused: z.array(z.string()),
});

export const preflightEstimateSchema = z.strictObject({
  /** null when nothing would be dialed (no callable recipient, or no window opening within 30 days). */
  first_call_at: z.string().nullable(),
  finish_at: z.string().nullable(),
  expected_call_minutes: z.number(),
});

export const preflightPreviewSchema = z.strictObject({
  index: z.number().int(),
  phone: z.string(),
  /** null when the agent has no first message, or this recipient lacks one of its variables. */
  first_message: z.string().nullable(),
});

export const preflightReportSchema = z.strictObject({
  valid: z.boolean(),
  /** Exactly the `fields` create would answer with for the same body; empty when valid. */
  errors: z.array(fieldIssueSchema),
  total_recipients: z.number().int(),
  callable: z.number().int(),
  skipped: preflightSkippedSchema,
  placeholders: preflightPlaceholdersSchema,
  /** Recipients by the zone(s) their calling window is read in; several zones are joined with `,`. */
  timezones: z.record(z.string(), z.number().int()),
  unresolved: z.number().int(),
  estimate: preflightEstimateSchema,
  preview: z.array(preflightPreviewSchema),
});

export type PreflightReportObject = z.output<typeof preflightReportSchema>;

/** The report as the preflight use case (shared/app/preflight.ts) produces it. */
export interface PreflightReport {
  /** The issues create would refuse the request with; empty when it would accept it. */
  errors: FieldIssue[];
  totalRecipients: number;
  callable: number;
  skipped: { suppressed: number; duplicate: number; contactLimit: number };
  placeholders: PlaceholderUse;
  /** Recipients by their zones (several joined with `,`); `unresolved` have none. */
  timezones: Record<string, number>;
  unresolved: number;
  estimate: CallEstimate;
  preview: { index: number; phone: string; firstMessage: string | null }[];
}

const issueObject = (e: FieldIssue) => ({ path: e.path, message: e.message });

export function toPreflightReportObject(report: PreflightReport): PreflightReportObject {
  return {
    valid: report.errors.length === 0,
    errors: report.errors.map(issueObject),
    total_recipients: report.totalRecipients,
    callable: report.callable,
    skipped: {
      suppressed: report.skipped.suppressed,
      duplicate: report.skipped.duplicate,
      contact_limit: report.skipped.contactLimit,
    },
    placeholders: {
      used: report.placeholders.used,
      missing: report.placeholders.missing.map((m) => ({ name: m.name, rows: m.rows })),
      unused: report.placeholders.unused,
    },
    timezones: report.timezones,
    unresolved: report.unresolved,
    estimate: {
      first_call_at: report.estimate.firstCallAt?.toISOString() ?? null,
      finish_at: report.estimate.finishAt?.toISOString() ?? null,
      expected_call_minutes: report.estimate.expectedCallMinutes,
    },
    preview: report.preview.map((p) => ({ index: p.index, phone: p.phone, first_message: p.firstMessage })),
  };
}

/**
 * The report of a body create refuses before it can plan anything (its shape, a CSV row, an unknown
 * upload): the errors, and nothing to count.
 */
export function unplannedReport(errors: FieldIssue[]): PreflightReportObject {
  return {
    valid: false,
    errors: errors.map(issueObject),
    total_recipients: 0,
    callable: 0,
    skipped: { suppressed: 0, duplicate: 0, contact_limit: 0 },
    placeholders: { used: [], missing: [], unused: [] },
    timezones: {},
    unresolved: 0,
    estimate: { first_call_at: null, finish_at: null, expected_call_minutes: 0 },
    preview: [],
  };
}
