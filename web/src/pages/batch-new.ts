import type { AgentObject } from '../../../shared/contracts/agent.ts';
import { validateCreateBatchFields, validateCreateBatchJson } from '../../../shared/contracts/batch.ts';
import { checkVarKey } from '../../../shared/contracts/recipient.ts';
import type { PhoneNumberObject } from '../../../shared/contracts/phone-number.ts';
import { type FieldIssue, ValidationError } from '../../../shared/domain/errors.ts';
import { LIMITS } from '../../../shared/domain/limits.ts';
import { ApiError, type CreateBatchBase, type CreateBatchJsonBody, errorMessage } from '../api/client.ts';
import { CsvBatchSender, type CsvSendPhase, formFields } from '../api/csv-batch-sender.ts';
import { formatBytes, UploadError } from '../api/csv-upload.ts';
import { xhrTransport } from '../api/xhr-transport.ts';
import { focusHeading, type Page, pageHeading } from '../app-context.ts';
import { type CsvPreview, previewIssues, previewRecipientsCsv } from '../lib/csv-preview.ts';
import { agentPlaceholders, missingPlaceholders, sampleCsv } from '../lib/sample-csv.ts';
import {
  checkLocalSchedule,
  defaultScheduleTime,
  localDateValue,
  localTimeValue,
  scheduleDateBounds,
  utcLabel,
  viewerTimeZone,
} from '../lib/schedule.ts';
import { field, h, replaceChildren, uid } from '../ui/dom.ts';
import { FormErrors } from '../ui/form-errors.ts';
import { announce } from '../ui/live.ts';
import { errorEl, loadingEl, tableWrap } from '../ui/widgets.ts';

/**
 * New batch: name, agent, optional caller ID, recipients (a CSV checked in the browser by the API's
 * rules, or typed in), start now or schedule. Every rule the API applies runs here first, with the
 * same messages; whatever the API still refuses is shown at the field it names, and the form keeps
 * all its input. A CSV goes to S3 through a pre-signed upload first (web/src/api/csv-batch-sender.ts),
 * since a request body through API Gateway + Lambda cannot hold the contract's 5 MB.
 */

const PREVIEW_ROWS = 10;

interface ManualRow {
  key: string;
  phone: string;
  vars: Record<string, string>;
}

export const newBatchPage: Page = (ctx, main) => {
  main.append(pageHeading('New batch'), loadingEl('agents and numbers'));
  focusHeading(main);
  let disposed = false;

  const start = async () => {
    try {
      const [agents, numbers] = await Promise.all([ctx.api.listAgents(), ctx.api.listPhoneNumbers()]);
      if (disposed) return;
      main.replaceChildren(pageHeading('New batch'));
      buildForm(ctx, main, agents, numbers);
      focusHeading(main);
    } catch (error) {
      if (disposed) return;
      main.replaceChildren(
        pageHeading('New batch'),
        errorEl(errorMessage(error), () => void start()),
      );
    }
  };
  void start();
  return () => {
    disposed = true;
  };
};

function buildForm(
  ctx: Parameters<Page>[0],
  main: HTMLElement,
  agents: AgentObject[],
  numbers: PhoneNumberObject[],
): void {
  const numberById = new Map(numbers.map((n) => [n.id, n]));
  const outboundNumbers = numbers.filter((n) => n.outbound);
  const agentNumber = (agent: AgentObject | undefined) => {
    const bound = agent?.phone_number_id == null ? undefined : numberById.get(agent.phone_number_id);
    return bound?.outbound === true ? bound : undefined;
  };

  // --- Name, agent, caller ID ------------------------------------------------------------------
  const nameInput = h('input', {
    type: 'text',
    name: 'name',
    required: true,
    maxlength: LIMITS.batchName.max,
  });
  const agentSelect = h(
    'select',
    { name: 'agent_id', required: true },
    h('option', { value: '' }, 'Choose an agent…'),
    ...agents.map((a) => {
      const number = agentNumber(a);
      return h(
        'option',
        { value: a.id },
        number === undefined ? `${a.name} (no outbound number)` : `${a.name} (${number.phone_number})`,
      );
    }),
  );
  const callerSelect = h(
    'select',
    { name: 'phone_number_id' },
    h('option', { value: '' }, "The agent's own number"),
    ...outboundNumbers.map((n) =>
      h('option', { value: n.id }, n.label === null ? n.phone_number : `${n.phone_number} (${n.label})`),
    ),
  );
  const selectedAgent = () => agents.find((a) => a.id === agentSelect.value);

  // --- Recipients: mode switch ------------------------------------------------------------------
  const modeName = uid('mode');
  const csvRadio = h('input', { type: 'radio', name: modeName, value: 'csv', checked: true, id: uid('m') });
  const manualRadio = h('input', { type: 'radio', name: modeName, value: 'manual', id: uid('m') });
  const mode = () => (manualRadio.checked ? 'manual' : 'csv');
  const placeholderNote = h('div', { class: 'placeholder-check', 'aria-live': 'polite' });

  // --- CSV ----------------------------------------------------------------------------------------
  const fileInput = h('input', { type: 'file', accept: '.csv,text/csv', name: 'csv_file' });
  const fileStatus = h('p', { class: 'muted', 'aria-live': 'polite' });
  const previewBox = h('div', { class: 'csv-preview', 'data-testid': 'csv-preview' });
  const sampleButton = h('button', { type: 'button', class: 'button' }, 'Download sample');
  const uploadBar = h('progress', { max: 100, value: 0, 'aria-label': 'CSV upload' });
  const uploadText = h('span', {});
  const uploadStatus = h(
    'p',
    { class: 'muted upload-status', hidden: true, 'data-testid': 'upload-status' },
    uploadBar,
    ' ',
    uploadText,
  );
  let csvFile: File | null = null;
  let preview: CsvPreview | null = null;

  sampleButton.addEventListener('click', () => {
    const agent = selectedAgent();
    const text = sampleCsv(agent === undefined ? [] : agentPlaceholders(agent));
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    const link = h('a', { href: url, download: 'recipients-sample.csv', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce('Sample CSV downloaded.');
  });

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file === undefined) return;
    void file.arrayBuffer().then((buffer) => {
      csvFile = file;
      preview = previewRecipientsCsv(new Uint8Array(buffer));
      // Cleared so that choosing the same (now fixed) file again is noticed.
      fileInput.value = '';
      renderPreview();
      refreshPlaceholderCheck();
    });
  });

  const renderPreview = () => {
    if (csvFile === null || preview === null) {
      fileStatus.textContent = 'No file chosen yet.';
      previewBox.replaceChildren();
      return;
    }
    const issues = previewIssues(preview);
    const rowErrors = preview.rows.filter((r) => r.issues.length > 0).length;
    fileStatus.textContent =
      `${csvFile.name}: ${preview.rows.length} recipient row${preview.rows.length === 1 ? '' : 's'}, ` +
      (issues.length === 0
        ? 'no errors.'
        : `${issues.length} error${issues.length === 1 ? '' : 's'}` +
          (rowErrors > 0 ? ` in ${rowErrors} row${rowErrors === 1 ? '' : 's'}.` : '.'));
    const parts: HTMLElement[] = [];
    if (preview.fileIssues.length > 0) {
      parts.push(
        h(
          'ul',
          { class: 'issue-list', 'data-testid': 'csv-file-errors' },
          ...preview.fileIssues.map((i) => h('li', {}, `${i.path}: ${i.message}`)),
        ),
      );
    }
    if (preview.header !== null && preview.rows.length > 0) {
      // The first rows, then every row with a problem, so no error hides below the fold.
      const shown = preview.rows.filter((r, i) => i < PREVIEW_ROWS || r.issues.length > 0);
      const header = preview.header;
      const table = h(
        'table',
        { class: 'table table-compact' },
        h(
          'caption',
          { class: 'visually-hidden' },
          `Preview of ${csvFile.name}: the first ${PREVIEW_ROWS} rows and every row with an error`,
        ),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Line'),
            ...header.map((name) => h('th', { scope: 'col' }, name)),
            h('th', { scope: 'col' }, 'Check'),
          ),
        ),
        h(
          'tbody',
          {},
          ...shown.map((row) =>
            h(
              'tr',
              {
                class: row.issues.length > 0 ? 'row-invalid' : '',
                'data-path': `csv_file:line ${row.line}`,
                'data-line': row.line,
              },
              h('th', { scope: 'row' }, String(row.line)),
              ...header.map((_, i) => h('td', {}, row.cells[i] ?? '')),
              h(
                'td',
                { class: 'row-error-slot' },
                row.issues.length === 0
                  ? h('span', { class: 'ok' }, 'OK')
                  : h('span', { class: 'row-issue' }, row.issues.map((i) => i.message).join('; ')),
              ),
            ),
          ),
        ),
      );
      parts.push(tableWrap('CSV preview', table));
      if (preview.rows.length > shown.length) {
        parts.push(
          h('p', { class: 'muted' }, `${preview.rows.length - shown.length} more valid rows not shown.`),
        );
      }
    }
    previewBox.replaceChildren(...parts);
  };

  const csvPanel = h(
    'div',
    { class: 'panel' },
    h(
      'div',
      { class: 'row-gap' },
      // The file's own problems (too large, refused by S3, …) are shown here, by the input.
      field('CSV file', fileInput, {
        path: 'csv_file',
        hint: 'UTF-8, a "phone" column in E.164 (+14155551234); every other column becomes a variable.',
      }),
      h('div', { class: 'field' }, sampleButton),
    ),
    fileStatus,
    uploadStatus,
    previewBox,
  );
  renderPreview();

  // --- Manual entry -------------------------------------------------------------------------------
  let rowSeq = 0;
  const newRow = (): ManualRow => ({ key: String(++rowSeq), phone: '', vars: {} });
  const columns: string[] = [];
  let rows: ManualRow[] = [newRow()];
  const manualTableBox = h('div', {});
  const newColumnInput = h('input', {
    type: 'text',
    name: 'new_column',
    maxlength: LIMITS.dynamicVarKeyMaxLength,
  });
  const newColumnError = h('p', { class: 'field-error', 'aria-live': 'polite' });
  const addColumnButton = h('button', { type: 'button', class: 'button' }, 'Add variable');
  const addRowButton = h('button', { type: 'button', class: 'button' }, 'Add recipient');

  const renderManual = (focusRow?: number) => {
    const table = h(
      'table',
      { class: 'table table-compact manual-table' },
      h('caption', { class: 'visually-hidden' }, 'Recipients entered by hand'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, '#'),
          h('th', { scope: 'col' }, 'Phone'),
          ...columns.map((c) => h('th', { scope: 'col' }, c)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row, i) => {
          const phone = h('input', {
            type: 'tel',
            value: row.phone,
            placeholder: '+14155551234',
            'aria-label': `Phone of recipient ${i + 1}`,
            autocomplete: 'off',
          });
          phone.addEventListener('input', () => {
            row.phone = phone.value;
          });
          const remove = h(
            'button',
            { type: 'button', class: 'button button-small', disabled: rows.length === 1 },
            'Remove',
            h('span', { class: 'visually-hidden' }, ` recipient ${i + 1}`),
          );
          remove.addEventListener('click', () => {
            rows = rows.filter((r) => r !== row);
            renderManual(Math.min(i, rows.length - 1));
          });
          return h(
            'tr',
            { 'data-path': `recipients[${i}]` },
            h('th', { scope: 'row' }, String(i + 1)),
            h('td', { 'data-path': `recipients[${i}].phone` }, phone),
            ...columns.map((c) => {
              const input = h('input', {
                type: 'text',
                value: row.vars[c] ?? '',
                'aria-label': `${c} of recipient ${i + 1}`,
              });
              input.addEventListener('input', () => {
                row.vars[c] = input.value;
              });
              return h('td', { 'data-path': `recipients[${i}].dynamic_vars.${c}` }, input);
            }),
            h('td', { class: 'row-error-slot' }, remove),
          );
        }),
      ),
    );
    replaceChildren(manualTableBox, tableWrap('Recipients', table));
    if (focusRow !== undefined) {
      manualTableBox.querySelectorAll<HTMLInputElement>('input[type="tel"]')[focusRow]?.focus();
    }
  };

  addRowButton.addEventListener('click', () => {
    if (rows.length >= LIMITS.maxRecipients) return;
    rows.push(newRow());
    renderManual(rows.length - 1);
  });
  const addColumn = () => {
    const name = newColumnInput.value.trim();
    const problem = name === 'phone' ? 'phone is already a column' : checkVarKey(name);
    if (problem !== null) {
      newColumnError.textContent = problem;
      newColumnInput.setAttribute('aria-invalid', 'true');
      return;
    }
    newColumnError.textContent = '';
    newColumnInput.removeAttribute('aria-invalid');
    if (!columns.includes(name)) columns.push(name);
    newColumnInput.value = '';
    renderManual();
    refreshPlaceholderCheck();
  };
  addColumnButton.addEventListener('click', addColumn);
  newColumnInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addColumn();
    }
  });

  const manualPanel = h(
    'div',
    { class: 'panel', hidden: true },
    manualTableBox,
    h('div', { class: 'row-gap' }, addRowButton),
    h(
      'div',
      { class: 'row-gap' },
      field('New variable column', newColumnInput, {
        hint: 'Columns for the agent’s placeholders are added for you.',
      }),
      h('div', { class: 'field' }, addColumnButton),
    ),
    newColumnError,
  );
  renderManual();

  // --- Placeholder check --------------------------------------------------------------------------
  const recipientColumns = (): string[] | null => {
    if (mode() === 'manual') return columns;
    return preview?.header?.filter((c) => c !== 'phone') ?? null;
  };
  const placeholderProblem = (): string | null => {
    const agent = selectedAgent();
    const have = recipientColumns();
    if (agent === undefined || have === null) return null;
    const missing = missingPlaceholders(agentPlaceholders(agent), have);
    if (missing.length === 0) return null;
    const list = missing.map((m) => `{{${m}}}`).join(', ');
    return `the agent's prompt uses ${list}, but the recipients have no ${missing.length === 1 ? 'column' : 'columns'} for ${missing.length === 1 ? 'it' : 'them'}`;
  };
  const refreshPlaceholderCheck = () => {
    const agent = selectedAgent();
    if (agent === undefined) {
      placeholderNote.replaceChildren();
      return;
    }
    const used = agentPlaceholders(agent);
    const problem = placeholderProblem();
    placeholderNote.replaceChildren(
      h(
        'p',
        { class: problem === null ? 'muted' : 'field-error', 'data-testid': 'placeholder-check' },
        used.length === 0
          ? 'This agent uses no {{placeholders}}.'
          : problem === null
            ? recipientColumns() === null
              ? `This agent uses ${used.map((u) => `{{${u}}}`).join(', ')}: your recipients need a column for each.`
              : `Every placeholder of the agent has a column (${used.join(', ')}).`
            : `Missing: ${problem}.`,
      ),
    );
  };

  agentSelect.addEventListener('change', () => {
    const agent = selectedAgent();
    if (agent !== undefined) {
      for (const p of agentPlaceholders(agent)) if (!columns.includes(p)) columns.push(p);
      renderManual();
    }
    refreshPlaceholderCheck();
  });
  const onMode = () => {
    csvPanel.hidden = mode() !== 'csv';
    manualPanel.hidden = mode() !== 'manual';
    refreshPlaceholderCheck();
  };
  csvRadio.addEventListener('change', onMode);
  manualRadio.addEventListener('change', onMode);

  const recipientsFieldset = h(
    'fieldset',
    { class: 'fieldset', 'data-path': 'recipients' },
    h('legend', {}, 'Recipients'),
    h(
      'div',
      { class: 'radio-row', role: 'radiogroup', 'aria-label': 'How to add recipients' },
      h('label', { for: csvRadio.id }, csvRadio, ' Upload a CSV'),
      h('label', { for: manualRadio.id }, manualRadio, ' Add by hand'),
    ),
    placeholderNote,
    csvPanel,
    manualPanel,
  );

  // --- Schedule -----------------------------------------------------------------------------------
  const scheduleToggle = h('input', { type: 'checkbox', name: 'schedule', id: uid('sched') });
  const suggestion = defaultScheduleTime(new Date());
  const bounds = scheduleDateBounds(new Date());
  const dateInput = h('input', {
    type: 'date',
    name: 'scheduled_date',
    value: localDateValue(suggestion),
    min: bounds.min,
    max: bounds.max,
  });
  const timeInput = h('input', { type: 'time', name: 'scheduled_time', value: localTimeValue(suggestion) });
  const scheduleInfo = h('p', { class: 'hint', 'aria-live': 'polite', 'data-testid': 'schedule-info' });
  const scheduleFields = h(
    'div',
    { class: 'row-gap', hidden: true, 'data-path': 'scheduled_at' },
    field('Date', dateInput),
    field('Time', timeInput, { hint: `Your time zone: ${viewerTimeZone()}` }),
  );
  const refreshSchedule = () => {
    scheduleFields.hidden = !scheduleToggle.checked;
    scheduleInfo.hidden = !scheduleToggle.checked;
    submitButton.textContent = scheduleToggle.checked ? 'Schedule batch' : 'Start batch';
    if (!scheduleToggle.checked) return;
    const check = checkLocalSchedule(dateInput.value, timeInput.value, new Date());
    scheduleInfo.textContent = check.ok ? `Starts ${utcLabel(check.iso)}.` : `The time ${check.message}.`;
    scheduleInfo.classList.toggle('field-error', !check.ok);
  };
  const scheduleFieldset = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, 'When'),
    h('label', { for: scheduleToggle.id, class: 'toggle' }, scheduleToggle, ' Schedule for later'),
    scheduleFields,
    scheduleInfo,
  );

  // --- Advanced -----------------------------------------------------------------------------------
  const maxConcurrentInput = h('input', {
    type: 'number',
    name: 'max_concurrent_calls',
    min: LIMITS.maxConcurrentCalls.min,
    max: LIMITS.maxConcurrentCalls.max,
    placeholder: "the agent's",
  });
  const ringingInput = h('input', {
    type: 'number',
    name: 'ringing_timeout_s',
    min: LIMITS.ringingTimeoutMs.min / 1000,
    max: LIMITS.ringingTimeoutMs.max / 1000,
    placeholder: String(LIMITS.ringingTimeoutMs.default / 1000),
  });
  const advanced = h(
    'details',
    { class: 'fieldset' },
    h('summary', {}, 'Advanced'),
    field('Max concurrent calls', maxConcurrentInput, {
      path: 'max_concurrent_calls',
      hint: `${LIMITS.maxConcurrentCalls.min}–${LIMITS.maxConcurrentCalls.max}; empty uses the agent's setting.`,
    }),
    field('Ringing timeout (seconds)', ringingInput, {
      path: 'ringing_timeout_ms',
      hint: `How long a call may ring before it counts as not answered; ${LIMITS.ringingTimeoutMs.min / 1000}–${LIMITS.ringingTimeoutMs.max / 1000} s.`,
    }),
  );
  /** Form text as the API's number fields; an unreadable value is passed on so the rules name it. */
  const numberField = (input: HTMLInputElement, scale: number): number | undefined => {
    const raw = input.value.trim();
    return raw === '' ? undefined : Math.round(Number(raw) * scale);
  };

  // --- Submit -------------------------------------------------------------------------------------
  const submitButton = h('button', { type: 'submit', class: 'button button-primary' }, 'Start batch');
  const form = h(
    'form',
    { class: 'form', novalidate: true, 'aria-label': 'New batch' },
    field('Name', nameInput, { path: 'name', hint: 'For you: it appears in the batch list.' }),
    field('Agent', agentSelect, {
      path: 'agent_id',
      hint:
        agents.length === 0
          ? h('span', {}, 'No agents yet: ', h('a', { href: '#/agents/new' }, 'create one'), '.')
          : 'The agent that places the calls.',
    }),
    field('Caller ID', callerSelect, {
      path: 'phone_number_id',
      hint: 'Optional: call from another outbound number than the agent’s own.',
    }),
    recipientsFieldset,
    scheduleFieldset,
    advanced,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button', href: '#/batches' }, 'Back to batches'),
      submitButton,
    ),
  );
  refreshSchedule();
  scheduleToggle.addEventListener('change', refreshSchedule);
  dateInput.addEventListener('input', refreshSchedule);
  timeInput.addEventListener('input', refreshSchedule);
  const errors = new FormErrors(form);

  // The key follows the request: a retry of the same input (after a network error) is the same key,
  // so it can never start a batch twice; any change makes a new request and a new key. The CSV
  // sender keeps the same rule for its own requests, and keeps an uploaded file for a retry.
  const csvSender = new CsvBatchSender(ctx.api, { transport: xhrTransport });
  let lastAttempt: { fingerprint: string; key: string } | null = null;
  const keyFor = (fingerprint: string) => {
    if (lastAttempt?.fingerprint !== fingerprint) lastAttempt = { fingerprint, key: crypto.randomUUID() };
    return lastAttempt.key;
  };

  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    void submit();
  });

  const submit = async () => {
    const now = new Date();
    const issues: FieldIssue[] = [];
    let scheduledAt: string | undefined;
    if (scheduleToggle.checked) {
      const check = checkLocalSchedule(dateInput.value, timeInput.value, now);
      if (check.ok) scheduledAt = check.iso;
      else issues.push({ path: 'scheduled_at', message: check.message });
    }
    const agent = selectedAgent();
    if (agent !== undefined && callerSelect.value === '' && agentNumber(agent) === undefined) {
      issues.push({
        path: 'agent_id',
        message: 'has no outbound number: bind one to the agent, or choose a caller ID',
      });
    }
    const placeholderIssue = placeholderProblem();
    if (placeholderIssue !== null)
      issues.push({ path: mode() === 'csv' ? 'csv_file' : 'recipients', message: placeholderIssue });

    const base: CreateBatchBase = {
      name: nameInput.value,
      agent_id: agentSelect.value,
      ...(callerSelect.value === '' ? {} : { phone_number_id: callerSelect.value }),
      ...(scheduledAt === undefined ? {} : { scheduled_at: scheduledAt }),
    };
    const maxConcurrent = numberField(maxConcurrentInput, 1);
    const ringingMs = numberField(ringingInput, 1000);
    const numbers = {
      ...(maxConcurrent === undefined ? {} : { max_concurrent_calls: maxConcurrent }),
      ...(ringingMs === undefined ? {} : { ringing_timeout_ms: ringingMs }),
    };

    const startingLabel = scheduledAt === undefined ? 'Starting…' : 'Scheduling…';
    let send: () => Promise<{ id: string; status: string }>;
    if (mode() === 'csv') {
      const body: CreateBatchBase = { ...base, ...numbers };
      // The same rules as the API's, for any way the file is sent (upload or multipart).
      issues.push(...rulesIssues(() => validateCreateBatchFields(formFields(body), now)));
      if (csvFile === null || preview === null)
        issues.push({ path: 'csv_file', message: 'choose a CSV file' });
      else issues.push(...previewIssues(preview));
      const file = csvFile;
      send = () => {
        if (file === null) throw new Error('unreachable: no file');
        return csvSender.send(body, file, (phase) => showPhase(phase, file.name, startingLabel));
      };
    } else {
      const recipients = rows
        .filter((r) => r.phone.trim() !== '' || Object.values(r.vars).some((v) => v.trim() !== ''))
        .map((r) => ({
          phone: r.phone,
          dynamic_vars: Object.fromEntries(columns.map((c) => [c, r.vars[c] ?? ''])),
        }));
      const body: CreateBatchJsonBody = { ...base, ...numbers, recipients };
      issues.push(...rulesIssues(() => validateCreateBatchJson(body, now)));
      const fingerprint = JSON.stringify(body);
      send = () => ctx.api.createBatchJson(body, keyFor(fingerprint));
    }

    if (issues.length > 0) {
      errors.show(
        `The batch cannot start yet: ${issues.length} problem${issues.length === 1 ? '' : 's'} to fix.`,
        dedupe(issues),
      );
      return;
    }

    busy = true;
    submitButton.disabled = true;
    const label = submitButton.textContent;
    submitButton.textContent = startingLabel;
    try {
      const batch = await send();
      errors.clear();
      announce(batch.status === 'scheduled' ? 'Batch scheduled.' : 'Batch started.');
      ctx.navigate(`/batches/${encodeURIComponent(batch.id)}`);
    } catch (error) {
      if (error instanceof UploadError) {
        errors.show('The batch was not created: the CSV file was not uploaded.', [
          { path: 'csv_file', message: error.message },
        ]);
      } else {
        errors.show(apiErrorTitle(error), apiErrorFields(error));
      }
    } finally {
      uploadStatus.hidden = true;
      busy = false;
      submitButton.disabled = false;
      submitButton.textContent = label;
    }
  };

  /** The upload's progress next to the CSV field, and the step in the submit button. */
  const showPhase = (phase: CsvSendPhase, fileName: string, startingLabel: string) => {
    if (phase.step === 'creating') {
      uploadStatus.hidden = true;
      submitButton.textContent = startingLabel;
      return;
    }
    if (uploadStatus.hidden) announce(`Uploading ${fileName}…`);
    uploadStatus.hidden = false;
    submitButton.textContent = 'Uploading…';
    const percent = phase.total === 0 ? 0 : Math.min(100, Math.round((phase.sent / phase.total) * 100));
    uploadBar.value = percent;
    uploadText.textContent = `Uploading ${fileName}… ${percent}% of ${formatBytes(phase.total)}`;
  };

  main.append(form);
}

/** Runs one of the contracts' validators and answers its issues (none when it passes). */
function rulesIssues(run: () => unknown): FieldIssue[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function apiErrorTitle(error: unknown): string {
  if (error instanceof ApiError && error.fields.length > 0) {
    return `The service refused the batch: ${error.fields.length} problem${error.fields.length === 1 ? '' : 's'} to fix.`;
  }
  return `The batch was not created: ${errorMessage(error)}`;
}

/** The API's field list, or the field an error code implies when it gives none. */
function apiErrorFields(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError)) return [];
  // The upload is the form's CSV file: its problems belong next to that field.
  if (error.fields.length > 0)
    return error.fields.map((f) => (f.path === 'csv_upload_id' ? { ...f, path: 'csv_file' } : f));
  switch (error.code) {
    case 'agent_not_found':
      return [{ path: 'agent_id', message: error.message }];
    case 'phone_number_not_found':
      return [{ path: 'phone_number_id', message: error.message }];
    case 'payload_too_large':
      return [{ path: 'csv_file', message: error.message }];
    default:
      return [];
  }
}
