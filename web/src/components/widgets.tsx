import { type ComponentChildren, type VNode, cloneElement } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, humanize } from '../lib/format.ts';

/** Small presentational pieces shared by the pages. */

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      {humanize(status)}
    </span>
  );
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  const fill = useRef<HTMLDivElement>(null);
  // Set through the CSSOM: a `style` attribute is an inline style, which the CSP refuses.
  useLayoutEffect(() => {
    if (fill.current !== null) fill.current.style.width = `${pct}%`;
  }, [pct]);
  return (
    <div class="progress-wrap">
      <div
        class="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} done`}
      >
        <div class="progress-fill" ref={fill} />
      </div>
      <span class="progress-text">{`${done} / ${total}`}</span>
    </div>
  );
}

/** A time in the viewer's zone, with the exact UTC instant kept machine-readable and on hover. */
export function Time({ iso }: { iso: string | null }) {
  if (iso === null) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatDateTime(iso)}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNotice({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{message}</p>
      {retry === undefined ? null : (
        <button type="button" class="button" onClick={() => retry()}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A column header; `hidden` names it for screen readers only (an actions column). */
export interface Column {
  label: string;
  hidden?: boolean;
}

/** A table in a keyboard-scrollable box, so a phone can pan it instead of squashing it. */
export function DataTable(props: {
  label: string;
  testId?: string;
  class?: string;
  caption?: string;
  columns: ReadonlyArray<string | Column>;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.label}>
      <table class={props.class ?? 'table'} data-testid={props.testId}>
        {props.caption === undefined ? null : <caption class="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => {
              const column = typeof c === 'string' ? { label: c } : c;
              return (
                <th scope="col">
                  {column.hidden === true ? (
                    <span class="visually-hidden">{column.label}</span>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/**
 * A labelled form control with its hint (`data-path` names its API field, where ui/form-errors.ts
 * puts that field's error). The control gets its id and hint wiring from here.
 */
export function Field(props: {
  label: string;
  path?: string;
  hint?: ComponentChildren;
  class?: string;
  children: VNode<{ id?: string; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const hasHint = props.hint !== undefined && props.hint !== null;
  return (
    <div class={props.class ?? 'field'} data-path={props.path}>
      <label for={id}>{props.label}</label>
      {cloneElement(props.children, { id, 'aria-describedby': hasHint ? `${id}-hint` : undefined })}
      {hasHint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** Shows a freshly issued secret once, with a copy button; `focus` moves the focus to it. */
export function SecretPanel({ secret, title, focus }: { secret: string; title: string; focus?: boolean }) {
  const [status, setStatus] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focus === true) input.current?.focus();
  }, [secret]);
  const copy = () => {
    input.current?.select();
    navigator.clipboard.writeText(secret).then(
      () => setStatus('Copied.'),
      () => setStatus('Copy failed: the secret is selected, press Ctrl+C.'),
    );
  };
  return (
    <div class="notice notice-secret" role="region" aria-label={title}>
      <h2>{title}</h2>
      <p>Store it now: it is shown only this once. Use it to verify the webhook signatures.</p>
      <div class="secret-row">
        <input
          ref={input}
          type="text"
          readOnly
          value={secret}
          class="mono secret-value"
          aria-label={title}
          data-testid="webhook-secret"
        />
        <button type="button" class="button" onClick={copy}>
          Copy
        </button>
      </div>
      <span class="muted" role="status">
        {status}
      </span>
    </div>
  );
}
