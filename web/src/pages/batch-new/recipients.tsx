import { useId } from 'preact/hooks';
import { DUPLICATE_POLICIES, type DuplicatePolicy } from '../../../../shared/domain/batch.ts';
import { agentPlaceholders } from '../../lib/sample-csv.ts';
import { CsvPanel } from './csv-panel.tsx';
import type { NewBatchState, RecipientMode } from './form-state.ts';
import { ManualPanel } from './manual-panel.tsx';

/**
 * Who gets called: a CSV file or rows typed in. Both panels stay in the page (one hidden), so
 * switching back and forth loses nothing.
 */
export function RecipientsFieldset({ state }: { state: NewBatchState }) {
  const group = useId();
  const mode = state.mode.value;
  const radio = (value: RecipientMode, label: string) => (
    <label for={`${group}-${value}`}>
      <input
        type="radio"
        name={group}
        value={value}
        id={`${group}-${value}`}
        checked={mode === value}
        onChange={() => (state.mode.value = value)}
      />{' '}
      {label}
    </label>
  );
  return (
    <fieldset class="fieldset" data-path="recipients">
      <legend>Recipients</legend>
      <div class="radio-row" role="radiogroup" aria-label="How to add recipients">
        {radio('csv', 'Upload a CSV')}
        {radio('manual', 'Add by hand')}
      </div>
      <div class="placeholder-check" aria-live="polite">
        <PlaceholderCheck state={state} />
      </div>
      <CsvPanel state={state} hidden={mode !== 'csv'} />
      <ManualPanel state={state} hidden={mode !== 'manual'} />
      <Duplicates state={state} />
    </fieldset>
  );
}

const DUPLICATE_LABELS: Record<DuplicatePolicy, string> = {
  allow: 'Call each row',
  skip: 'Call the first row, skip the others',
  reject: 'Refuse the batch',
};

/** What happens to rows whose phone appears more than once in this batch. */
function Duplicates({ state }: { state: NewBatchState }) {
  const group = useId();
  const chosen = state.campaign.duplicates.value;
  return (
    <div class="field" data-path="duplicates">
      <p id={`${group}-label`}>When a phone appears on several rows</p>
      <div class="radio-row" role="radiogroup" aria-labelledby={`${group}-label`}>
        {DUPLICATE_POLICIES.map((policy) => (
          <label for={`${group}-${policy}`}>
            <input
              type="radio"
              name={`${group}-duplicates`}
              value={policy}
              id={`${group}-${policy}`}
              checked={chosen === policy}
              onChange={() => (state.campaign.duplicates.value = policy)}
            />{' '}
            {DUPLICATE_LABELS[policy]}
          </label>
        ))}
      </div>
    </div>
  );
}

/** Whether the recipients have a column for each {{placeholder}} of the chosen agent. */
function PlaceholderCheck({ state }: { state: NewBatchState }) {
  const agent = state.selectedAgent.value;
  if (agent === undefined) return null;
  const used = agentPlaceholders(agent);
  const problem = state.placeholderProblem.value;
  return (
    <p class={problem === null ? 'muted' : 'field-error'} data-testid="placeholder-check">
      {used.length === 0
        ? 'This agent uses no {{placeholders}}.'
        : problem !== null
          ? `Missing: ${problem}.`
          : state.recipientColumns.value === null
            ? `This agent uses ${used.map((u) => `{{${u}}}`).join(', ')}: your recipients need a column for each.`
            : `Every placeholder of the agent has a column (${used.join(', ')}).`}
    </p>
  );
}
