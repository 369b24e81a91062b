import { useId } from 'preact/hooks';
import type { PreflightReport } from '../../api/types.ts';
import { Time } from '../../components/widgets.tsx';
import { previewRecipientsCsv } from '../../lib/csv-preview.ts';
import { issueText } from '../../lib/field-paths.ts';
import { announce } from '../../ui/live.ts';
import { isFilledRow, type NewBatchState } from './form-state.ts';
import { csvWithout, groupErrors, invalidRows, type Preflight, rowsText } from './preflight-state.ts';

/**
 * The preflight report beside the form, kept up to date as the user edits (index.tsx asks for it):
 * what create would refuse, grouped by kind with a way to drop the invalid rows; who would be
 * skipped; missing placeholders with the choice to call anyway; time zones; the estimate; the first
 * message as the first recipients would hear it. Nothing is created until the user submits.
 */
export function PreflightPanel({ state, preflight }: { state: NewBatchState; preflight: Preflight }) {
  const report = preflight.report.value;
  const failure = preflight.failure.value;
  return (
    <section
      class="fieldset preflight"
      aria-label="Check before starting"
      data-testid="preflight-report"
      aria-busy={preflight.checking.value}
    >
      <h2>Check before starting</h2>
      <p class="muted" role="status" data-testid="preflight-status">
        {preflight.checking.value
          ? 'Checking…'
          : failure !== null
            ? `The check did not run: ${failure}`
            : report === null
              ? 'Choose an agent and add recipients: the batch is checked here before anything is created.'
              : report.valid
                ? 'Ready: the service would accept this batch.'
                : 'The service would refuse this batch as it is.'}
      </p>
      {report === null ? null : <Report state={state} report={report} />}
    </section>
  );
}

function Report({ state, report }: { state: NewBatchState; report: PreflightReport }) {
  const { groups, other } = groupErrors(report.errors);
  const rowErrors = groups.reduce((n, g) => n + g.rows.length, 0);
  return (
    <>
      {report.errors.length === 0 ? null : (
        <div data-testid="preflight-errors">
          <h3>Problems</h3>
          <ul>
            {groups.map((g) => (
              <li key={g.kind} data-kind={g.kind}>
                {g.kind} — {rowsText(g.rows)}
              </li>
            ))}
            {other.map((e) => (
              <li key={`${e.path}\n${e.message}`}>{issueText(e)}</li>
            ))}
          </ul>
          {rowErrors === 0 ? null : (
            <button type="button" class="button" onClick={() => skipInvalidRows(state, report)}>
              Skip invalid rows
            </button>
          )}
        </div>
      )}
      {report.total_recipients === 0 ? null : (
        <p data-testid="preflight-counts">
          {report.callable.toLocaleString('en-US')} of {report.total_recipients.toLocaleString('en-US')}{' '}
          recipients would be called
          {skippedText(report.skipped)}.
        </p>
      )}
      <MissingPlaceholders state={state} report={report} />
      {report.placeholders.unused.length === 0 ? null : (
        <p class="muted">Not used by the agent: {report.placeholders.unused.join(', ')}.</p>
      )}
      <TimeZones report={report} />
      <Estimate report={report} />
      {report.preview.length === 0 ? null : (
        <div data-testid="preflight-preview">
          <h3>First message</h3>
          <ul>
            {report.preview.map((p) => (
              <li key={p.index}>
                Row {p.index + 1}:{' '}
                {p.first_message === null ? (
                  <span class="muted">no first message</span>
                ) : (
                  `“${p.first_message}”`
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

function skippedText(skipped: PreflightReport['skipped']): string {
  const parts = [
    skipped.suppressed > 0 ? `${skipped.suppressed} on the suppression list` : null,
    skipped.duplicate > 0 ? `${skipped.duplicate} duplicate${skipped.duplicate === 1 ? '' : 's'}` : null,
    skipped.contact_limit > 0 ? `${skipped.contact_limit} held by the contact limit` : null,
  ].filter((p) => p !== null);
  return parts.length === 0 ? '' : `; skipped: ${parts.join(', ')}`;
}

function MissingPlaceholders({ state, report }: { state: NewBatchState; report: PreflightReport }) {
  const id = useId();
  const missing = report.placeholders.missing;
  const allow = state.campaign.allowMissing;
  if (missing.length === 0 && !allow.value) return null;
  return (
    <div data-testid="preflight-missing">
      {missing.length === 0 ? null : (
        <ul>
          {missing.map((m) => (
            <li key={m.name}>
              {`{{${m.name}}}`} has no value in{' '}
              {rowsText(m.rows.map((index) => ({ kind: 'index' as const, index })))}
            </li>
          ))}
        </ul>
      )}
      <label for={id} class="toggle">
        <input
          type="checkbox"
          id={id}
          checked={allow.value}
          onChange={(e) => (allow.value = e.currentTarget.checked)}
        />{' '}
        Call these recipients anyway (the missing text is left out)
      </label>
    </div>
  );
}

function TimeZones({ report }: { report: PreflightReport }) {
  const zones = Object.entries(report.timezones).sort((a, b) => b[1] - a[1]);
  if (zones.length === 0 && report.unresolved === 0) return null;
  return (
    <div data-testid="preflight-timezones">
      <h3>Time zones</h3>
      <ul>
        {zones.map(([zone, count]) => (
          <li key={zone}>
            {zone.split(',').join(' + ')}: {count}
          </li>
        ))}
        {report.unresolved === 0 ? null : <li>No time zone found: {report.unresolved}</li>}
      </ul>
    </div>
  );
}

function Estimate({ report }: { report: PreflightReport }) {
  const e = report.estimate;
  if (report.callable === 0) return null;
  return (
    <p data-testid="preflight-estimate">
      {e.first_call_at === null ? (
        'No call could start within 30 days.'
      ) : (
        <>
          First call <Time iso={e.first_call_at} />, done about <Time iso={e.finish_at} />
        </>
      )}
      ; about {Math.round(e.expected_call_minutes).toLocaleString('en-US')} call minutes.
    </p>
  );
}

/** Drops the rows the report names (typed rows, or the CSV's lines) and lets the check run again. */
export function skipInvalidRows(state: NewBatchState, report: PreflightReport): void {
  const { indexes, lines } = invalidRows(report.errors);
  if (state.mode.value === 'manual') {
    // The request's indexes count the filled rows only (blank rows are not sent).
    let index = -1;
    const kept = state.rows.value.filter((r) => !isFilledRow(r) || !indexes.has(++index));
    state.rows.value = kept.length === 0 ? [state.newRow()] : kept;
    announce(`${indexes.size} invalid ${indexes.size === 1 ? 'row' : 'rows'} removed.`);
    return;
  }
  const csv = state.csv.value;
  const header = csv?.preview.header;
  if (csv === null || header === null || header === undefined) return;
  const text = csvWithout(header, csv.preview.rows, lines);
  const file = new File([text], csv.file.name, { type: 'text/csv' });
  const preview = previewRecipientsCsv(new TextEncoder().encode(text));
  state.csv.value = { file, preview, version: csv.version + 1 };
  announce(`${lines.size} invalid ${lines.size === 1 ? 'row' : 'rows'} left out of ${csv.file.name}.`);
}
