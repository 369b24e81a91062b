import {
  type AgentObject,
  createAgentSchema,
  updateAgentSchema,
} from '../../../../shared/contracts/agent.ts';
import { checkWith } from '../../../../shared/contracts/common.ts';
import type { PhoneNumberObject } from '../../../../shared/contracts/phone-number.ts';
import { WEBHOOK_EVENTS } from '../../../../shared/domain/agent.ts';
import { LIMITS } from '../../../../shared/domain/limits.ts';
import { useMemo, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { bindText, useFormErrors } from '../../components/forms.ts';
import { problemsTitle } from '../../lib/format.ts';
import { ItemEditor } from '../../components/item-editor.tsx';
import { Field } from '../../components/widgets.tsx';
import { toast } from '../../ui/live.ts';
import { AgentActions } from './agent-actions.tsx';
import {
  agentRequest,
  type AgentFormState,
  createAgentFormState,
  CRITERIA_COLUMNS,
  DATA_COLUMNS,
  TELEPHONY_KEYS,
} from './agent-form-state.ts';

/** The agent's fields, checked by the contract's schema before anything is sent. */
export function AgentForm(props: {
  ctx: AppContext;
  agent: AgentObject | null;
  numbers: PhoneNumberObject[];
  onSaved: (saved: AgentObject) => void;
  onRotated: (secret: string) => void;
}) {
  const { ctx, agent } = props;
  const s = useMemo(() => createAgentFormState(agent), []);
  // The agent as last saved: what the actions offer (rotating needs a saved webhook URL) follows it.
  const [saved, setSaved] = useState(agent);
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const request = agentRequest(s);
    const check = checkWith(agent === null ? createAgentSchema : updateAgentSchema, request);
    if (!check.ok) {
      errors.show(problemsTitle('The agent cannot be saved yet', check.issues.length), check.issues);
      return;
    }
    setBusy(true);
    const saving = agent === null ? ctx.api.createAgent(request) : ctx.api.updateAgent(agent.id, request);
    saving.then(
      (answer) => {
        setBusy(false);
        setSaved(answer);
        errors.clear();
        props.onSaved(answer);
        toast(agent === null ? 'Agent created.' : 'Agent saved.');
        if (agent === null) ctx.navigate(`/agents/${encodeURIComponent(answer.id)}`);
      },
      (error: unknown) => {
        setBusy(false);
        errors.show(`The agent was not saved: ${errorMessage(error)}`, saveErrorFields(error));
      },
    );
  };

  return (
    <form
      ref={errors.ref}
      class="form"
      noValidate
      aria-label={agent === null ? 'New agent' : 'Edit agent'}
      onSubmit={submit}
    >
      <Field label="Name" path="name">
        <input type="text" name="name" maxLength={200} {...bindText(s.name)} />
      </Field>
      <Field
        label="Prompt"
        path="prompt"
        hint="Use {{placeholders}} such as {{first_name}}: each recipient fills them in."
      >
        <textarea name="prompt" rows={6} {...bindText(s.prompt)} />
      </Field>
      <Field label="First message" path="first_message" hint="What the agent says first (optional).">
        <textarea name="first_message" rows={3} {...bindText(s.firstMessage)} />
      </Field>
      <Field
        label="Phone number"
        path="phone_number_id"
        hint="Batches call from this number unless they pick another."
      >
        <select name="phone_number_id" {...bindText(s.phoneNumberId)}>
          <option value="">No number</option>
          {props.numbers.map((n) => (
            <option value={n.id}>
              {`${n.phone_number}${n.label === null ? '' : ` (${n.label})`}${n.outbound ? '' : ' — not outbound'}`}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Webhook URL"
        path="webhook_url"
        hint="Optional: where call results are POSTed, signed with a secret shown once."
      >
        <input
          type="url"
          name="webhook_url"
          placeholder="https://example.com/hooks/calls"
          {...bindText(s.webhookUrl)}
        />
      </Field>
      <WebhookEvents s={s} />
      <Field label="Max concurrent calls" path="max_concurrent_calls">
        <input
          type="number"
          name="max_concurrent_calls"
          min={LIMITS.maxConcurrentCalls.min}
          max={LIMITS.maxConcurrentCalls.max}
          {...bindText(s.maxConcurrent)}
        />
      </Field>
      <ItemEditor
        legend="Evaluation criteria"
        path="evaluation_criteria"
        addLabel="Add criterion"
        columns={CRITERIA_COLUMNS}
        items={s.criteria}
      />
      <ItemEditor
        legend="Data collection"
        path="data_collection"
        addLabel="Add field"
        columns={DATA_COLUMNS}
        items={s.dataCollection}
      />
      <details class="fieldset">
        <summary>Telephony provider settings</summary>
        {TELEPHONY_KEYS.map((key) => (
          <Field label={key} path={`telephony.${key}`}>
            <input
              type="text"
              name={key}
              value={s.telephony.value[key] ?? ''}
              onInput={(e) => (s.telephony.value = { ...s.telephony.value, [key]: e.currentTarget.value })}
            />
          </Field>
        ))}
      </details>
      <div class="actions">
        {agent === null || saved === null ? null : (
          <AgentActions ctx={ctx} agent={saved} onRotated={props.onRotated} />
        )}
        <a class="button" href="#/agents">
          Back
        </a>
        <button type="submit" class="button button-primary" disabled={busy}>
          {agent === null ? 'Create agent' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

function WebhookEvents({ s }: { s: AgentFormState }) {
  const toggle = (event: string, on: boolean) =>
    (s.events.value = on ? [...s.events.value, event] : s.events.value.filter((e) => e !== event));
  return (
    <fieldset class="fieldset" data-path="webhook_events">
      <legend>Webhook events</legend>
      {WEBHOOK_EVENTS.map((event) => (
        <label class="check">
          <input
            type="checkbox"
            value={event}
            checked={s.events.value.includes(event)}
            onChange={(e) => toggle(event, e.currentTarget.checked)}
          />{' '}
          {event}
        </label>
      ))}
    </fieldset>
  );
}

/** The API's field list; an unknown number, which the API names by code only, goes to its select. */
function saveErrorFields(error: unknown) {
  if (!(error instanceof ApiError)) return [];
  if (error.fields.length === 0 && error.code === 'phone_number_not_found')
    return [{ path: 'phone_number_id', message: error.message }];
  return error.fields;
}
