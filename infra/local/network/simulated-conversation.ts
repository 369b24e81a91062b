import type { CallOutcome, DynamicVars, DynamicVarValue } from '#shared/domain/recipient.ts';
import type { PlaceCallRequest, WireConversation } from '#shared/adapters/telephony/simulated-wire.ts';

/**
 * What the simulated network says happened on a call: the outcome rule of the contract's local mode
 * and a plausible conversation for calls that connect. Deterministic, so tests can assert on it.
 */

/**
 * By the called number's last four digits: 0001 busy, 0002 no answer, 0003 failed, 0004 voicemail;
 * for retries (contract "Attempt history"): 0005 does not answer its first attempt and answers later
 * ones, 0006 is busy on every attempt; 0007 answers and asks not to be called again (its conversation
 * sets every boolean data-collection item whose id contains `opt_out` to true).
 */
export function simulatedOutcomeFor(phone: string, attempt = 1): Exclude<CallOutcome, 'canceled'> {
  switch (phone.replace(/\D/g, '').slice(-4)) {
    case '0001':
    case '0006':
      return 'busy';
    case '0005':
      return attempt === 1 ? 'no_answer' : 'answered';
    case '0007':
      return 'answered';
    case '0002':
      return 'no_answer';
    case '0003':
      return 'failed';
    case '0004':
      return 'voicemail';
    default:
      return 'answered';
  }
}

export const SIMULATED_ERRORS: Record<'busy' | 'no_answer' | 'failed', string> = {
  busy: 'The line was busy',
  no_answer: 'No one answered the call',
  failed: 'The call could not be connected',
};

type Agent = PlaceCallRequest['agent'];
type Turn = WireConversation['transcript'][number];

const NAME_KEYS = ['first_name', 'firstname', 'firstName', 'name', 'customer_name', 'full_name'];

function nameOf(vars: DynamicVars): string | null {
  for (const key of NAME_KEYS) {
    const value = vars[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}

function humanize(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
}

function spoken(value: DynamicVarValue): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function detailsOf(vars: DynamicVars): string | null {
  const parts = Object.entries(vars)
    .filter(([key]) => !NAME_KEYS.includes(key))
    .slice(0, 3)
    .map(([key, value]) => `${humanize(key)} ${spoken(value)}`);
  return parts.length === 0 ? null : parts.join(', ');
}

/** A number whose callee asks not to be called again (contract "Suppression list and opt-outs"). */
export function simulatedOptOut(phone: string): boolean {
  return phone.replace(/\D/g, '').slice(-4) === '0007';
}

function isOptOutItem(id: string): boolean {
  return id.toLowerCase().includes('opt_out');
}

function collectedValue(
  field: Agent['data_collection'][number],
  vars: DynamicVars,
  name: string | null,
  optedOut: boolean,
): string | number | boolean {
  const known = vars[field.id];
  const id = field.id.toLowerCase();
  // An opt-out item is true only for a callee who asked not to be called (0007).
  if (field.type === 'boolean' && isOptOutItem(field.id)) return optedOut;
  if (field.type === 'boolean') return typeof known === 'boolean' ? known : true;
  if (field.type === 'number') {
    if (typeof known === 'number') return known;
    if (/rating|score|satisfaction/.test(id)) return 9;
    if (/count|number|qty|quantity|people|guests|seats/.test(id)) return 2;
    return 3;
  }
  if (known !== undefined) return String(known);
  if (/email/.test(id))
    return `${(name ?? 'customer').toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.com`;
  if (/time|date|day|when|slot/.test(id)) return 'Tuesday at 10 am';
  if (/reason|feedback|comment|note|summary/.test(id)) return 'Happy with the service so far';
  return `${humanize(field.id)} as stated by the caller`;
}

/** Spreads the turns over the talk time, one decimal, always increasing (short test calls included). */
function timed(turns: Array<Omit<Turn, 'time_in_call_secs'>>, talkSecs: number): Turn[] {
  let previous = -1;
  return turns.map((turn, i) => {
    const even = Math.round(((i * talkSecs) / turns.length) * 10) / 10;
    const time = i === 0 ? 0 : Math.max(even, Math.round((previous + 0.1) * 10) / 10);
    previous = time;
    return { ...turn, time_in_call_secs: time };
  });
}

function greeting(name: string | null): string {
  return `Hello${name === null ? '' : ` ${name}`}, this is a quick call from your service team.`;
}

export function answeredConversation(
  agent: Agent,
  vars: DynamicVars,
  talkSecs: number,
  optedOut = false,
): WireConversation {
  const name = nameOf(vars);
  const details = detailsOf(vars);
  const turns: Array<Omit<Turn, 'time_in_call_secs'>> = [
    { role: 'agent', message: agent.first_message ?? greeting(name) },
    { role: 'user', message: name === null ? 'Yes, speaking. Who is this?' : `Yes, this is ${name}.` },
    {
      role: 'agent',
      message:
        details === null
          ? 'Thanks. I am calling with a quick follow-up. Do you have a minute?'
          : `Thanks. I am calling to confirm a few details we have on file: ${details}. Is that all correct?`,
    },
    { role: 'user', message: details === null ? 'Sure, go ahead.' : "Yes, that's all correct." },
  ];
  const dataCollection: WireConversation['data_collection'] = {};
  if (agent.data_collection.length > 0) {
    const asked = agent.data_collection.map(
      (f) => f.description.trim().replace(/[.?!]+$/, '') || humanize(f.id),
    );
    const answers: string[] = [];
    for (const field of agent.data_collection) {
      const value = collectedValue(field, vars, name, optedOut);
      dataCollection[field.id] = {
        value,
        rationale: `The caller gave their ${humanize(field.id)} when asked during the call.`,
      };
      answers.push(`${humanize(field.id)}: ${spoken(value)}`);
    }
    turns.push(
      { role: 'agent', message: `Great. A couple of quick questions: ${asked.join('; ')}?` },
      { role: 'user', message: `Sure. ${answers.join('. ')}.` },
    );
  }
  if (optedOut) {
    turns.push(
      { role: 'user', message: 'Please take my number off your list and do not call me again.' },
      { role: 'agent', message: 'Understood. We will not call this number again. Sorry to bother you.' },
    );
  }
  turns.push(
    {
      role: 'agent',
      message: `Perfect, thank you${name === null ? '' : `, ${name}`}. That's everything I needed. Have a great day!`,
    },
    { role: 'user', message: 'Thanks, you too. Bye!' },
  );
  return {
    transcript: timed(turns, talkSecs),
    evaluations: agent.evaluation_criteria.map((c) => ({
      id: c.id,
      result: 'success' as const,
      rationale: `Met: ${c.description.trim() || humanize(c.id)}. The caller stayed on the line and confirmed the details.`,
    })),
    data_collection: dataCollection,
    recording_url: null,
  };
}

export function voicemailConversation(agent: Agent, vars: DynamicVars, talkSecs: number): WireConversation {
  const name = nameOf(vars);
  const dataCollection: WireConversation['data_collection'] = {};
  for (const field of agent.data_collection) {
    dataCollection[field.id] = { value: null, rationale: 'Not collected: the call reached voicemail.' };
  }
  return {
    transcript: timed(
      [
        { role: 'agent', message: agent.first_message ?? greeting(name) },
        {
          role: 'agent',
          message:
            'Sorry I missed you. I will try again later, or you can call us back at this number. Goodbye.',
        },
      ],
      talkSecs,
    ),
    evaluations: agent.evaluation_criteria.map((c) => ({
      id: c.id,
      result: 'unknown' as const,
      rationale: 'The call reached voicemail; no conversation took place.',
    })),
    data_collection: dataCollection,
    recording_url: null,
  };
}
