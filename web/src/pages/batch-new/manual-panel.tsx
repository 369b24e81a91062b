import { checkVarKey } from '../../../../shared/contracts/recipient.ts';
import { LIMITS } from '../../../../shared/domain/limits.ts';
import { useSignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { DataTable, Field } from '../../components/widgets.tsx';
import type { ManualRow, NewBatchState } from './form-state.ts';

/**
 * Recipients typed in: one row per recipient, a phone column and one column per variable. Adding or
 * removing a row moves the focus to the row's phone, so keyboard users keep their place.
 */
export function ManualPanel({ state, hidden }: { state: NewBatchState; hidden: boolean }) {
  const table = useRef<HTMLDivElement>(null);
  const focusRow = useRef<number | null>(null);
  // A layout effect: the focus moves as soon as the new rows are in the DOM, not a frame later.
  useLayoutEffect(() => {
    if (focusRow.current === null) return;
    table.current?.querySelectorAll<HTMLInputElement>('input[type="tel"]')[focusRow.current]?.focus();
    focusRow.current = null;
  });
  const rows = state.rows.value;
  const addRow = () => {
    if (rows.length >= LIMITS.maxRecipients) return;
    focusRow.current = rows.length;
    state.rows.value = [...rows, state.newRow()];
  };
  const removeRow = (row: ManualRow, i: number) => {
    const left = rows.filter((r) => r !== row);
    focusRow.current = Math.min(i, left.length - 1);
    state.rows.value = left;
  };
  return (
    <div class="panel" hidden={hidden}>
      <div ref={table}>
        <DataTable
          label="Recipients"
          class="table table-compact manual-table"
          caption="Recipients entered by hand"
          columns={['#', 'Phone', ...state.columns.value, { label: 'Actions', hidden: true }]}
        >
          {rows.map((row, i) => (
            <RowInputs
              key={row.key}
              row={row}
              position={i}
              columns={state.columns.value}
              onlyRow={rows.length === 1}
              remove={() => removeRow(row, i)}
              typed={() => state.rowEdits.value++}
            />
          ))}
        </DataTable>
      </div>
      <div class="row-gap">
        <button type="button" class="button" onClick={addRow}>
          Add recipient
        </button>
      </div>
      <NewColumn state={state} />
    </div>
  );
}

function RowInputs(props: {
  row: ManualRow;
  position: number;
  columns: string[];
  onlyRow: boolean;
  remove: () => void;
  /** Tells the form's checks that a value changed (the row objects are written in place). */
  typed: () => void;
}) {
  const { row, position: i } = props;
  return (
    <tr data-path={`recipients[${i}]`}>
      <th scope="row">{String(i + 1)}</th>
      <td data-path={`recipients[${i}].phone`}>
        <input
          type="tel"
          value={row.phone}
          placeholder="+14155551234"
          aria-label={`Phone of recipient ${i + 1}`}
          autocomplete="off"
          onInput={(e) => {
            row.phone = e.currentTarget.value;
            props.typed();
          }}
        />
      </td>
      {props.columns.map((c) => (
        <td data-path={`recipients[${i}].dynamic_vars.${c}`}>
          <input
            type="text"
            value={row.vars[c] ?? ''}
            aria-label={`${c} of recipient ${i + 1}`}
            onInput={(e) => {
              row.vars[c] = e.currentTarget.value;
              props.typed();
            }}
          />
        </td>
      ))}
      <td class="row-error-slot">
        <button type="button" class="button button-small" disabled={props.onlyRow} onClick={props.remove}>
          Remove<span class="visually-hidden"> recipient {i + 1}</span>
        </button>
      </td>
    </tr>
  );
}

/** Adds a variable column, checked by the API's rule for variable names. */
function NewColumn({ state }: { state: NewBatchState }) {
  const name = useSignal('');
  const problem = useSignal<string | null>(null);
  const add = () => {
    const column = name.value.trim();
    const why = column === 'phone' ? 'phone is already a column' : checkVarKey(column);
    problem.value = why;
    if (why !== null) return;
    if (!state.columns.value.includes(column)) state.columns.value = [...state.columns.value, column];
    name.value = '';
  };
  return (
    <>
      <div class="row-gap">
        <Field label="New variable column" hint="Columns for the agent’s placeholders are added for you.">
          <input
            type="text"
            name="new_column"
            maxLength={LIMITS.dynamicVarKeyMaxLength}
            value={name.value}
            aria-invalid={problem.value === null ? undefined : 'true'}
            onInput={(e) => (name.value = e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        </Field>
        <div class="field">
          <button type="button" class="button" onClick={add}>
            Add variable
          </button>
        </div>
      </div>
      <p class="field-error" aria-live="polite">
        {problem.value ?? ''}
      </p>
    </>
  );
}
