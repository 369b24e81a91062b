import { formatBytes } from '../../api/csv-upload.ts';
import { DataTable, Field } from '../../components/widgets.tsx';
import { type CsvPreview, previewIssues, previewRecipientsCsv } from '../../lib/csv-preview.ts';
import { agentPlaceholders, sampleCsv } from '../../lib/sample-csv.ts';
import { announce } from '../../ui/live.ts';
import type { NewBatchState } from './form-state.ts';

const PREVIEW_ROWS = 10;

/**
 * A CSV of recipients, checked in the browser by the API's rules as soon as it is chosen: the first
 * rows, then every row with a problem, so no error hides below the fold.
 */
export function CsvPanel({ state, hidden }: { state: NewBatchState; hidden: boolean }) {
  const choose = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (file === undefined) return;
    void file.arrayBuffer().then((buffer) => {
      const version = (state.csv.peek()?.version ?? 0) + 1;
      state.csv.value = { file, preview: previewRecipientsCsv(new Uint8Array(buffer)), version };
      // Cleared so that choosing the same (now fixed) file again is noticed.
      input.value = '';
    });
  };
  const csv = state.csv.value;
  const upload = state.upload.value;
  return (
    <div class="panel" hidden={hidden}>
      <div class="row-gap">
        {/* The file's own problems (too large, refused by S3, …) are shown here, by the input. */}
        <Field
          label="CSV file"
          path="csv_file"
          hint='UTF-8, a "phone" column in E.164 (+14155551234); every other column becomes a variable.'
        >
          <input type="file" accept=".csv,text/csv" name="csv_file" onChange={choose} />
        </Field>
        <div class="field">
          <button type="button" class="button" onClick={() => downloadSample(state)}>
            Download sample
          </button>
        </div>
      </div>
      <p class="muted" aria-live="polite">
        {csv === null ? 'No file chosen yet.' : fileSummary(csv.file.name, csv.preview)}
      </p>
      <p class="muted upload-status" hidden={upload === null} data-testid="upload-status">
        <progress max={100} value={upload?.percent ?? 0} aria-label="CSV upload" />{' '}
        <span>
          {upload === null
            ? ''
            : `Uploading ${upload.fileName}… ${upload.percent}% of ${formatBytes(upload.total)}`}
        </span>
      </p>
      <div class="csv-preview" data-testid="csv-preview">
        {csv === null ? null : <Preview key={csv.version} fileName={csv.file.name} preview={csv.preview} />}
      </div>
    </div>
  );
}

function fileSummary(fileName: string, preview: CsvPreview): string {
  const issues = previewIssues(preview);
  const rowErrors = preview.rows.filter((r) => r.issues.length > 0).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    `${fileName}: ${plural(preview.rows.length, 'recipient row')}, ` +
    (issues.length === 0
      ? 'no errors.'
      : plural(issues.length, 'error') + (rowErrors > 0 ? ` in ${plural(rowErrors, 'row')}.` : '.'))
  );
}

function Preview({ fileName, preview }: { fileName: string; preview: CsvPreview }) {
  const header = preview.header;
  const shown = preview.rows.filter((r, i) => i < PREVIEW_ROWS || r.issues.length > 0);
  return (
    <>
      {preview.fileIssues.length === 0 ? null : (
        <ul class="issue-list" data-testid="csv-file-errors">
          {preview.fileIssues.map((i) => (
            <li>{`${i.path}: ${i.message}`}</li>
          ))}
        </ul>
      )}
      {header === null || preview.rows.length === 0 ? null : (
        <>
          <DataTable
            label="CSV preview"
            class="table table-compact"
            caption={`Preview of ${fileName}: the first ${PREVIEW_ROWS} rows and every row with an error`}
            columns={['Line', ...header, 'Check']}
          >
            {shown.map((row) => (
              <tr
                class={row.issues.length > 0 ? 'row-invalid' : ''}
                data-path={`csv_file:line ${row.line}`}
                data-line={row.line}
              >
                <th scope="row">{String(row.line)}</th>
                {header.map((_, i) => (
                  <td>{row.cells[i] ?? ''}</td>
                ))}
                <td class="row-error-slot">
                  {row.issues.length === 0 ? (
                    <span class="ok">OK</span>
                  ) : (
                    <span class="row-issue">{row.issues.map((i) => i.message).join('; ')}</span>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
          {preview.rows.length > shown.length ? (
            <p class="muted">{`${preview.rows.length - shown.length} more valid rows not shown.`}</p>
          ) : null}
        </>
      )}
    </>
  );
}

/** A sample file with a column for each placeholder of the chosen agent. */
function downloadSample(state: NewBatchState): void {
  const agent = state.selectedAgent.value;
  const text = sampleCsv(agent === undefined ? [] : agentPlaceholders(agent));
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'recipients-sample.csv';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce('Sample CSV downloaded.');
}
