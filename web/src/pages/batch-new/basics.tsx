import { LIMITS } from '../../../../shared/domain/limits.ts';
import { bindText } from '../../components/forms.ts';
import { Field } from '../../components/widgets.tsx';
import { chooseAgent, type NewBatchState } from './form-state.ts';

/** Name, agent and caller ID: what the batch is and who calls from where. */
export function BatchBasics({ state }: { state: NewBatchState }) {
  return (
    <>
      <Field label="Name" path="name" hint="For you: it appears in the batch list.">
        <input type="text" name="name" required maxLength={LIMITS.batchName.max} {...bindText(state.name)} />
      </Field>
      <Field
        label="Agent"
        path="agent_id"
        hint={
          state.agents.length === 0 ? (
            <span>
              No agents yet: <a href="#/agents/new">create one</a>.
            </span>
          ) : (
            'The agent that places the calls.'
          )
        }
      >
        <select
          name="agent_id"
          required
          value={state.agentId.value}
          onChange={(e) => chooseAgent(state, e.currentTarget.value)}
        >
          <option value="">Choose an agent…</option>
          {state.agents.map((a) => {
            const number = state.agentNumber(a);
            return (
              <option value={a.id}>
                {number === undefined
                  ? `${a.name} (no outbound number)`
                  : `${a.name} (${number.phone_number})`}
              </option>
            );
          })}
        </select>
      </Field>
      <Field
        label="Caller ID"
        path="phone_number_id"
        hint="Optional: call from another outbound number than the agent’s own."
      >
        <select name="phone_number_id" {...bindText(state.callerId)}>
          <option value="">The agent's own number</option>
          {state.outboundNumbers.map((n) => (
            <option value={n.id}>
              {n.label === null ? n.phone_number : `${n.phone_number} (${n.label})`}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}

/** Per-batch overrides of the agent's pacing. */
export function Advanced({ state }: { state: NewBatchState }) {
  const { maxConcurrentCalls: calls, ringingTimeoutMs: ringing } = LIMITS;
  return (
    <details class="fieldset">
      <summary>Advanced</summary>
      <Field
        label="Max concurrent calls"
        path="max_concurrent_calls"
        hint={`${calls.min}–${calls.max}; empty uses the agent's setting.`}
      >
        <input
          type="number"
          name="max_concurrent_calls"
          min={calls.min}
          max={calls.max}
          placeholder="the agent's"
          {...bindText(state.maxConcurrent)}
        />
      </Field>
      <Field
        label="Ringing timeout (seconds)"
        path="ringing_timeout_ms"
        hint={`How long a call may ring before it counts as not answered; ${ringing.min / 1000}–${ringing.max / 1000} s.`}
      >
        <input
          type="number"
          name="ringing_timeout_s"
          min={ringing.min / 1000}
          max={ringing.max / 1000}
          placeholder={String(ringing.default / 1000)}
          {...bindText(state.ringingSeconds)}
        />
      </Field>
    </details>
  );
}
