import { h, uid } from './dom.ts';

/**
 * An editable list of small records (an agent's evaluation criteria, its data-collection fields):
 * one row of labelled inputs per item, add and remove buttons. Each control carries the API path of
 * its value (`data_collection[1].type`) so errors land next to it.
 */

export interface ItemColumn {
  key: string;
  label: string;
  /** A select with these options instead of a text input. */
  options?: readonly string[];
}

export interface ItemEditor {
  el: HTMLElement;
  values(): Array<Record<string, string>>;
}

export function itemEditor(options: {
  legend: string;
  path: string;
  addLabel: string;
  columns: readonly ItemColumn[];
  initial: ReadonlyArray<Record<string, string>>;
}): ItemEditor {
  const list = h('div', { class: 'item-list' });
  const items: Array<Record<string, string>> = options.initial.map((item) => ({ ...item }));

  const render = (focusIndex?: number) => {
    list.replaceChildren(
      ...items.map((item, i) => {
        const controls = options.columns.map((column) => {
          const id = uid('item');
          const control =
            column.options === undefined
              ? h('input', { type: 'text', id, value: item[column.key] ?? '' })
              : h(
                  'select',
                  { id },
                  ...column.options.map((o) =>
                    h('option', { value: o, selected: item[column.key] === o }, o),
                  ),
                );
          if (column.options !== undefined && item[column.key] === undefined)
            item[column.key] = column.options[0] ?? '';
          control.addEventListener('input', () => {
            item[column.key] = control.value;
          });
          return h(
            'div',
            { class: 'field', 'data-path': `${options.path}[${i}].${column.key}` },
            h('label', { for: id }, `${column.label} ${i + 1}`),
            control,
          );
        });
        const remove = h(
          'button',
          { type: 'button', class: 'button button-small' },
          'Remove',
          h('span', { class: 'visually-hidden' }, ` ${options.legend} ${i + 1}`),
        );
        remove.addEventListener('click', () => {
          items.splice(i, 1);
          render(Math.min(i, items.length - 1));
        });
        return h(
          'div',
          { class: 'item-row', 'data-path': `${options.path}[${i}]` },
          ...controls,
          h('div', { class: 'field' }, remove),
        );
      }),
    );
    if (focusIndex !== undefined && focusIndex >= 0) {
      const row = list.querySelectorAll<HTMLElement>('.item-row').item(focusIndex) as HTMLElement | null;
      row?.querySelector<HTMLElement>('input, select')?.focus();
    }
  };

  const add = h('button', { type: 'button', class: 'button' }, options.addLabel);
  add.addEventListener('click', () => {
    items.push({});
    render(items.length - 1);
  });
  render();
  return {
    el: h(
      'fieldset',
      { class: 'fieldset', 'data-path': options.path },
      h('legend', {}, options.legend),
      list,
      add,
    ),
    values: () =>
      items.map((item) => Object.fromEntries(options.columns.map((c) => [c.key, item[c.key] ?? '']))),
  };
}
