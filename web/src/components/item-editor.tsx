import { type Signal } from '@preact/signals';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

/**
 * An editable list of small records (an agent's evaluation criteria, its data-collection fields):
 * one row of labelled inputs per item, add and remove buttons. Each control carries the API path of
 * its value (`data_collection[1].type`) so errors land next to it. The records live in `items`, a
 * signal the form reads when it submits.
 */

export interface ItemColumn {
  key: string;
  label: string;
  /** A select with these options instead of a text input. */
  options?: readonly string[];
}

export type Item = Record<string, string>;

/** The records as the API takes them: every column present, a select's first option by default. */
export function itemValues(items: readonly Item[], columns: readonly ItemColumn[]): Item[] {
  return items.map((item) =>
    Object.fromEntries(columns.map((c) => [c.key, item[c.key] ?? c.options?.[0] ?? ''])),
  );
}

export function ItemEditor(props: {
  legend: string;
  path: string;
  addLabel: string;
  columns: readonly ItemColumn[];
  items: Signal<Item[]>;
}) {
  const list = useRef<HTMLDivElement>(null);
  // Adding or removing a row moves the focus to that row's first control.
  const focusIndex = useRef<number | null>(null);
  // A layout effect: the focus moves as soon as the new rows are in the DOM, not a frame later.
  useLayoutEffect(() => {
    if (focusIndex.current === null || focusIndex.current < 0) return;
    const row = list.current?.querySelectorAll<HTMLElement>('.item-row').item(focusIndex.current);
    row?.querySelector<HTMLElement>('input, select')?.focus();
    focusIndex.current = null;
  });
  const items = props.items.value;
  const add = () => {
    focusIndex.current = items.length;
    props.items.value = [...items, {}];
  };
  const remove = (i: number) => {
    focusIndex.current = Math.min(i, items.length - 2);
    props.items.value = items.filter((_, j) => j !== i);
  };
  return (
    <fieldset class="fieldset" data-path={props.path}>
      <legend>{props.legend}</legend>
      <div class="item-list" ref={list}>
        {items.map((item, i) => (
          <div class="item-row" data-path={`${props.path}[${i}]`}>
            {props.columns.map((column) => (
              <ItemControl column={column} item={item} position={i} path={props.path} />
            ))}
            <div class="field">
              <button type="button" class="button button-small" onClick={() => remove(i)}>
                Remove
                <span class="visually-hidden">
                  {' '}
                  {props.legend} {i + 1}
                </span>
              </button>
            </div>
          </div>
        ))}
      </div>
      <button type="button" class="button" onClick={add}>
        {props.addLabel}
      </button>
    </fieldset>
  );
}

/** One labelled value of a record, written into the record on each change. */
function ItemControl(props: { column: ItemColumn; item: Item; position: number; path: string }) {
  const { column, item } = props;
  const id = useId();
  const write = (event: Event) => {
    item[column.key] = (event.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  };
  return (
    <div class="field" data-path={`${props.path}[${props.position}].${column.key}`}>
      <label for={id}>{`${column.label} ${props.position + 1}`}</label>
      {column.options === undefined ? (
        <input type="text" id={id} value={item[column.key] ?? ''} onInput={write} />
      ) : (
        <select id={id} value={item[column.key] ?? column.options[0]} onInput={write}>
          {column.options.map((o) => (
            <option value={o}>{o}</option>
          ))}
        </select>
      )}
    </div>
  );
}
