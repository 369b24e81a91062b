import { checkWith } from '../../../../shared/contracts/common.ts';
import { checkExpiresAt, createSuppressionJsonSchema } from '../../../../shared/contracts/suppression.ts';
import type { FieldIssue } from '../../../../shared/domain/errors.ts';
import { LIMITS } from '../../../../shared/domain/limits.ts';
import { useSignal } from '@preact/signals';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { bindText, useFormErrors } from '../../components/forms.ts';
import { mountPage } from '../../components/mount.tsx';
import { BackLink, PageHeading } from '../../components/page-heading.tsx';
import { Field } from '../../components/widgets.tsx';
import { problemsTitle } from '../../lib/format.ts';
import { toast } from '../../ui/live.ts';

/** Adds one phone to the suppression list, or imports a CSV of them. */
export const suppressionFormPage = mountPage((ctx) => (
  <>
    <BackLink href="#/suppressions" label="Suppressions" />
    <PageHeading text="Add suppressions" />
    <AddOne ctx={ctx} />
    <h2>Import a CSV</h2>
    <ImportCsv ctx={ctx} />
  </>
));

function AddOne({ ctx }: { ctx: AppContext }) {
  const phone = useSignal('');
  const reason = useSignal('');
  // A `datetime-local` value, in the viewer's zone.
  const expires = useSignal('');
  const busy = useSignal(false);
  const errors = useFormErrors();

  const submit = (event: Event) => {
    event.preventDefault();
    if (busy.value) return;
    const local = expires.value === '' ? null : new Date(expires.value);
    const expiresAt = local === null || Number.isNaN(local.getTime()) ? null : local.toISOString();
    const body = { phone: phone.value, reason: reason.value.trim() || null, expires_at: expiresAt };
    const issues: FieldIssue[] = [];
    const check = checkWith(createSuppressionJsonSchema, body);
    if (!check.ok) issues.push(...check.issues);
    if (expires.value !== '' && expiresAt === null)
      issues.push({ path: 'expires_at', message: 'is not a date and time' });
    const expiry = expiresAt === null ? null : checkExpiresAt(expiresAt, new Date());
    if (expiry !== null && !expiry.ok) issues.push({ path: 'expires_at', message: expiry.message });
    if (issues.length > 0) {
      errors.show(problemsTitle('The phone cannot be added yet', issues.length), issues);
      return;
    }
    busy.value = true;
    ctx.api.createSuppression(body).then(
      () => {
        toast('Phone added to the suppression list.');
        ctx.navigate('/suppressions');
      },
      (error: unknown) => {
        busy.value = false;
        errors.show(
          `The phone was not added: ${errorMessage(error)}`,
          error instanceof ApiError ? error.fields : [],
        );
      },
    );
  };

  return (
    <form ref={errors.ref} class="form" noValidate aria-label="Add a phone" onSubmit={submit}>
      <Field label="Phone" path="phone" hint="E.164, e.g. +14155550100. Already listed? It stays as it is.">
        <input type="tel" name="phone" placeholder="+14155550100" autocomplete="off" {...bindText(phone)} />
      </Field>
      <Field label="Reason" path="reason" hint="Optional.">
        <input
          type="text"
          name="reason"
          maxLength={LIMITS.suppression.reasonMaxLength}
          {...bindText(reason)}
        />
      </Field>
      <Field
        label="Expires"
        path="expires_at"
        hint="Optional, in your time zone; at most 5 years ahead. Empty: never."
      >
        <input type="datetime-local" name="expires_at" {...bindText(expires)} />
      </Field>
      <div class="actions">
        <a class="button" href="#/suppressions">
          Back
        </a>
        <button type="submit" class="button button-primary" disabled={busy.value}>
          Add phone
        </button>
      </div>
    </form>
  );
}

function ImportCsv({ ctx }: { ctx: AppContext }) {
  const file = useSignal<File | null>(null);
  const busy = useSignal(false);
  const result = useSignal<{ added: number; present: number; errors: FieldIssue[] } | null>(null);
  const errors = useFormErrors();

  const submit = (event: Event) => {
    event.preventDefault();
    const chosen = file.value;
    if (busy.value) return;
    if (chosen === null) {
      errors.show('Choose a CSV file first.', [{ path: 'csv_file', message: 'is required' }]);
      return;
    }
    errors.clear();
    busy.value = true;
    ctx.api.importSuppressions(chosen).then(
      (answer) => {
        busy.value = false;
        if ('added' in answer) {
          result.value = { added: answer.added, present: answer.already_present, errors: answer.errors };
        }
      },
      (error: unknown) => {
        busy.value = false;
        errors.show(
          `The file was not imported: ${errorMessage(error)}`,
          error instanceof ApiError ? error.fields : [],
        );
      },
    );
  };

  const r = result.value;
  return (
    <form ref={errors.ref} class="form" noValidate aria-label="Import a CSV" onSubmit={submit}>
      <Field
        label="CSV file"
        path="csv_file"
        hint={`A "phone" column and an optional "reason" column; other columns are ignored. At most ${LIMITS.suppression.csvMaxRows.toLocaleString('en-US')} rows, 5 MB.`}
      >
        <input
          type="file"
          name="csv_file"
          accept=".csv,text/csv"
          onChange={(e) => (file.value = e.currentTarget.files?.[0] ?? null)}
        />
      </Field>
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy.value}>
          Import
        </button>
      </div>
      {r === null ? null : (
        <div class="notice" role="status" data-testid="import-result">
          <p>
            {`${r.added} added, ${r.present} already on the list`}
            {r.errors.length === 0 ? '.' : `, ${r.errors.length} not imported:`}
          </p>
          {r.errors.length === 0 ? null : (
            <ul class="issue-list">
              {r.errors.map((issue) => (
                <li>{`${issue.path}: ${issue.message}`}</li>
              ))}
            </ul>
          )}
          <p>
            <a href="#/suppressions">See the list</a>
          </p>
        </div>
      )}
    </form>
  );
}
