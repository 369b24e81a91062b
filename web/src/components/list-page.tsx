import type { ComponentChildren } from 'preact';
import { PageHeading } from './page-heading.tsx';
import { Loaded, useResource } from './resource.tsx';
import { type Column, DataTable } from './widgets.tsx';

/** A list page's head: its heading and the button that adds one more. */
export function PageHead(props: { title: string; addHref: string; addLabel: string }) {
  return (
    <div class="page-head">
      <PageHeading text={props.title} />
      <a class="button button-primary" href={props.addHref}>
        {props.addLabel}
      </a>
    </div>
  );
}

/**
 * The shape of the agents and phone-number lists: a head, then "Loading…", an error with "Try
 * again", an empty state, or a table with one row per item. `row` gets `reload` for rows whose
 * actions (delete) change the list.
 */
export function ListPage<T>(props: {
  title: string;
  addHref: string;
  addLabel: string;
  what: string;
  load: () => Promise<T[]>;
  empty: ComponentChildren;
  /** `class` as DataTable's (`table table-cards`: one card per row on a phone). */
  table: { testId: string; columns: ReadonlyArray<string | Column>; class?: string };
  row: (item: T, reload: () => void) => ComponentChildren;
}) {
  const { resource, reload } = useResource(props.load);
  return (
    <>
      <PageHead title={props.title} addHref={props.addHref} addLabel={props.addLabel} />
      <Loaded resource={resource.value} what={props.what} retry={reload}>
        {(items) =>
          items.length === 0 ? (
            props.empty
          ) : (
            <DataTable
              label={props.title}
              testId={props.table.testId}
              class={props.table.class}
              columns={props.table.columns}
            >
              {items.map((item) => props.row(item, reload))}
            </DataTable>
          )
        }
      </Loaded>
    </>
  );
}
