import type { CreateBatchInput } from '../contracts/batch.ts';
import { TIMEZONE_VAR, type RecipientInput } from '../contracts/recipient.ts';
import type { Agent } from '../domain/agent.ts';
import { resolveZones, type CallingWindow } from '../domain/calling-window.ts';
import { NotFoundError, type FieldIssue } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import type { PhoneNumber } from '../domain/phone-number.ts';
import { placeholdersOfAll, placeholderUse, type PlaceholderUse } from '../domain/placeholders.ts';
import type { SkipReason } from '../domain/recipient.ts';
import type { PhoneTimezones } from '../ports/timezones.ts';
import type { AppDeps } from './deps.ts';

/**
 * What a create request would become, worked out before anything is written: the one path behind
 * create (./batches.ts, which stores it or refuses it) and preflight (./preflight.ts, which reports
 * it). Everything that needs the store (the agent, the caller number, the suppression list) or
 * reference data (time zones) is checked here; the request's own rules ran before (shared/contracts).
 *
 * An unknown agent or caller number is thrown (a 404 for both routes: there is nothing to plan
 * against); every other problem is collected in `issues`, all of them at once, and create refuses
 * the request with exactly these.
 */

/**
 * Seam for the contact limit across batches: of `phones` (one per callable recipient, so a phone of
 * several rows repeats), how many the workspace's contact limit holds back at `now` (they would wait,
 * so preflight does not count them callable). Create and preflight both get the count from here;
 * without it (no batch has a `contact_limit` yet) none is held back.
 */
export type ContactLimitCount = (
  workspaceId: string,
  phones: readonly string[],
  now: Date,
) => Promise<number>;

export type PlanDeps = Pick<AppDeps, 'store' | 'clock' | 'phoneTimezones'> & {
  contactLimitCount?: ContactLimitCount;
};

export interface BatchPlan {
  agent: Agent;
  /** null only when the agent has no number and the request names none (an issue). */
  phone: PhoneNumber | null;
  /** Each recipient's zones; null when none resolves (an issue). */
  zones: (string[] | null)[];
  /** index → why create stores that recipient `skipped`. */
  skips: Map<number, SkipReason>;
  /** Callable recipients the contact limit holds back now (they are stored pending and wait). */
  contactLimited: number;
  placeholders: PlaceholderUse;
  /** Every reason create refuses the request; empty when it would accept it. */
  issues: FieldIssue[];
  now: Date;
}

const at = (recipients: readonly RecipientInput[], i: number) => recipients[i]?.path ?? `recipients[${i}]`;
const isCsvPath = (path: string) => path.startsWith('csv_file');

async function lookUpAgent(deps: PlanDeps, workspaceId: string, agentId: string): Promise<Agent> {
  // An id of the wrong shape names nothing (and must never reach a key builder): not found.
  const agent = isId('agent', agentId) ? await deps.store.getAgent(workspaceId, agentId) : null;
  if (!agent) throw new NotFoundError(`Agent ${agentId} does not exist.`, 'agent_not_found');
  return agent;
}

/** The caller number: the request's override, else the agent's own; it must dial out. */
async function lookUpCallerNumber(
  deps: PlanDeps,
  workspaceId: string,
  input: CreateBatchInput,
  agent: Agent,
  issues: FieldIssue[],
): Promise<PhoneNumber | null> {
  const phoneNumberId = input.phoneNumberId ?? agent.phoneNumberId;
  if (!phoneNumberId) {
    issues.push({
      path: 'phone_number_id',
      message:
        'is required: the agent has no phone number bound; pass phone_number_id or bind one to the agent',
    });
    return null;
  }
  const phone = isId('phoneNumber', phoneNumberId)
    ? await deps.store.getPhoneNumber(workspaceId, phoneNumberId)
    : null;
  if (!phone) {
    throw new NotFoundError(`Phone number ${phoneNumberId} does not exist.`, 'phone_number_not_found');
  }
  if (!phone.outbound)
    issues.push({ path: 'phone_number_id', message: `${phoneNumberId} is not outbound-capable` });
  return phone;
}

/**
 * Every recipient's zones, resolved once at create (contract "Calling windows"): its own `timezone`,
 * else its number's, else the window's default. With a window and none of these, the row is an issue.
 */
function resolveRecipientZones(
  phoneTimezones: PhoneTimezones,
  recipients: readonly RecipientInput[],
  window: CallingWindow | null,
  issues: FieldIssue[],
): (string[] | null)[] {
  return recipients.map((r, index) => {
    const own = r.dynamicVars[TIMEZONE_VAR];
    const explicit = typeof own === 'string' && own !== '' ? own : null;
    // The number's zones matter only when nothing earlier in the rules decides.
    const needPhone = explicit === null && (window === null || window.timezone === 'recipient');
    const resolution = resolveZones(explicit, needPhone ? phoneTimezones.zonesForPhone(r.phone) : [], window);
    if (resolution.resolved) return resolution.zones;
    issues.push({
      path: at(recipients, index),
      message:
        'has no time zone: its number maps to none; give it a timezone, or set calling_window.default_timezone',
    });
    return null;
  });
}

/**
 * The rows stored as `skipped` (contract "Suppression list", "Contact limit across batches"): phones
 * on the workspace's suppression list, and with `duplicates: skip` every row of a phone after its
 * first; `duplicates: reject` makes each repeated row an issue. Answers index → reason.
 */
async function createTimeSkips(
  deps: PlanDeps,
  workspaceId: string,
  input: CreateBatchInput,
  now: Date,
  issues: FieldIssue[],
): Promise<Map<number, SkipReason>> {
  const skips = new Map<number, SkipReason>();
  const firstRow = new Map<string, number>();
  input.recipients.forEach((r, index) => {
    const first = firstRow.get(r.phone);
    if (first === undefined) {
      firstRow.set(r.phone, index);
      return;
    }
    if (input.duplicates === 'skip') skips.set(index, 'duplicate');
    if (input.duplicates === 'reject') {
      const path = at(input.recipients, index);
      issues.push({
        path: isCsvPath(path) ? path : `${path}.phone`,
        message: `repeats the phone of ${at(input.recipients, first)} (duplicates: reject)`,
      });
    }
  });
  const suppressed = await deps.store.isSuppressed(workspaceId, [...firstRow.keys()], now);
  input.recipients.forEach((r, index) => {
    if (suppressed.has(r.phone)) skips.set(index, 'suppressed');
  });
  return skips;
}

/**
 * The placeholders of the agent's prompt and first message against the recipients that would be
 * dialed (a skipped row never says anything). A row lacking one is an issue unless the request sets
 * `allow_missing_variables` (such a recipient then fails at dial, as before).
 */
function checkPlaceholders(
  agent: Agent,
  input: CreateBatchInput,
  skips: ReadonlyMap<number, SkipReason>,
  issues: FieldIssue[],
): PlaceholderUse {
  const use = placeholderUse(
    placeholdersOfAll([agent.prompt, agent.firstMessage]),
    input.recipients.map((r, index) => ({ index, vars: r.dynamicVars, checked: !skips.has(index) })),
    new Set([TIMEZONE_VAR]),
  );
  if (input.allowMissingVariables) return use;
  const missingByRow = new Map<number, string[]>();
  for (const { name, rows } of use.missing) {
    for (const row of rows) missingByRow.set(row, [...(missingByRow.get(row) ?? []), name]);
  }
  for (const [row, names] of [...missingByRow].sort(([a], [b]) => a - b)) {
    const path = at(input.recipients, row);
    issues.push({
      path: isCsvPath(path) ? path : `${path}.dynamic_vars`,
      message: `missing ${names.join(', ')}`,
    });
  }
  return use;
}

export async function planBatch(
  deps: PlanDeps,
  workspaceId: string,
  input: CreateBatchInput,
): Promise<BatchPlan> {
  const agent = await lookUpAgent(deps, workspaceId, input.agentId);
  const issues: FieldIssue[] = [];
  const phone = await lookUpCallerNumber(deps, workspaceId, input, agent, issues);
  const zones = resolveRecipientZones(deps.phoneTimezones, input.recipients, input.callingWindow, issues);
  const now = deps.clock();
  const skips = await createTimeSkips(deps, workspaceId, input, now, issues);
  const callablePhones = input.recipients.filter((_, index) => !skips.has(index)).map((r) => r.phone);
  const contactLimited = deps.contactLimitCount
    ? await deps.contactLimitCount(workspaceId, callablePhones, now)
    : 0;
  const placeholders = checkPlaceholders(agent, input, skips, issues);
  return { agent, phone, zones, skips, contactLimited, placeholders, issues, now };
}
