import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import type { PhoneNumberObject } from '../../../../shared/contracts/phone-number.ts';
import { type Signal, useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { CsvBatchSender, type CsvSendPhase } from '../../api/csv-batch-sender.ts';
import { UploadError } from '../../api/csv-upload.ts';
import { xhrTransport } from '../../api/xhr-transport.ts';
import type { AppContext } from '../../app-context.ts';
import { useFormErrors } from '../../components/forms.ts';
import { issueText } from '../../lib/field-paths.ts';
import { problemsTitle } from '../../lib/format.ts';
import { mountPage } from '../../components/mount.tsx';
import { PageHeading } from '../../components/page-heading.tsx';
import { Loaded, useResource } from '../../components/resource.tsx';
import { announce } from '../../ui/live.ts';
import { Advanced, BatchBasics } from './basics.tsx';
import { createNewBatchState, type NewBatchState } from './form-state.ts';
import { RecipientsFieldset } from './recipients.tsx';
import { CallingWindow } from './calling-window.tsx';
import { ContactLimit } from './contact-limit.tsx';
import { Guardrails } from './guardrails.tsx';
import { PreflightPanel } from './preflight-panel.tsx';
import { createPreflight } from './preflight-state.ts';
import { Retries } from './retries.tsx';
import { Schedule } from './schedule.tsx';
import { apiErrorFields, apiErrorTitle, prepareSubmission, requestKeys, type Senders } from './submission.ts';

/**
 * New batch: name, agent, optional caller ID, recipients (a CSV checked in the browser by the API's
 * rules, or typed in), start now or schedule. Every rule the API applies runs here first, with the
 * same messages; whatever the API still refuses is shown at the field it names, and the form keeps
 * all its input. A CSV goes to S3 through a pre-signed upload first (web/src/api/csv-batch-sender.ts),
 * since a request body through API Gateway + Lambda cannot hold the contract's 5 MB.
 */
export const newBatchPage = mountPage((ctx) => <NewBatch ctx={ctx} />);

function NewBatch({ ctx }: { ctx: AppContext }) {
  const { resource, reload } = useResource(() =>
    Promise.all([ctx.api.listAgents(), ctx.api.listPhoneNumbers()]),
  );
  return (
    <>
      <PageHeading text="New batch" />
      <Loaded resource={resource.value} what="agents and numbers" retry={reload}>
        {([agents, numbers]) => <NewBatchForm ctx={ctx} agents={agents} numbers={numbers} />}
      </Loaded>
    </>
  );
}

function NewBatchForm(props: { ctx: AppContext; agents: AgentObject[]; numbers: PhoneNumberObject[] }) {
  const state = useMemo(() => createNewBatchState(props.agents, props.numbers), []);
  const senders = useMemo(() => newSenders(props.ctx), []);
  const errors = useFormErrors({ describe: issueText });
  // After a refused submit the form checks itself again on every change, so a fixed field's message
  // goes as soon as it is right (and one still wrong stays).
  const recheck = useSignal(false);
  const shownKey = useRef('');
  useSignalEffect(() => {
    if (!recheck.value) return;
    const issues = prepareSubmission(state, senders, new Date()).issues;
    // The same issues stay as they are: redrawing them would announce the alert again.
    const key = JSON.stringify(issues);
    if (key === shownKey.current) return;
    shownKey.current = key;
    if (issues.length === 0) {
      errors.clear();
      recheck.value = false;
    } else {
      errors.show(problemsTitle('The batch cannot start yet', issues.length), issues, { focus: false });
    }
  });
  const preflight = useMemo(() => createPreflight(props.ctx.api), []);
  useEffect(() => preflight.dispose, []);
  // Every change of what the request would be asks for a new report (debounced in createPreflight).
  useSignalEffect(() => preflight.request(prepareSubmission(state, senders, new Date()).preflight));
  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (!state.busy.value) void submit(props.ctx, state, senders, errors, recheck);
  };
  const idleLabel = state.scheduled.value ? 'Schedule batch' : 'Start batch';
  return (
    <form ref={errors.ref} class="form" noValidate aria-label="New batch" onSubmit={onSubmit}>
      <BatchBasics state={state} />
      <RecipientsFieldset state={state} />
      <Schedule state={state} />
      <Retries state={state} />
      <CallingWindow state={state} />
      <Guardrails state={state} />
      <ContactLimit state={state} />
      <Advanced state={state} />
      <PreflightPanel state={state} preflight={preflight} />
      <div class="actions">
        <a class="button" href="#/batches">
          Back to batches
        </a>
        <button type="submit" class="button button-primary" disabled={state.busy.value}>
          {state.busyLabel.value ?? idleLabel}
        </button>
      </div>
    </form>
  );
}

/** The CSV sender keeps the same key rule for its own requests, and keeps an uploaded file for a retry. */
function newSenders(ctx: AppContext): Senders {
  return {
    api: ctx.api,
    csv: new CsvBatchSender(ctx.api, { transport: xhrTransport }),
    keyFor: requestKeys(),
  };
}

type Errors = ReturnType<typeof useFormErrors>;

async function submit(
  ctx: AppContext,
  state: NewBatchState,
  senders: Senders,
  errors: Errors,
  recheck: Signal<boolean>,
) {
  const submission = prepareSubmission(state, senders, new Date());
  if (submission.issues.length > 0) {
    errors.show(problemsTitle('The batch cannot start yet', submission.issues.length), submission.issues);
    recheck.value = true;
    return;
  }
  recheck.value = false;
  state.busy.value = true;
  state.busyLabel.value = submission.startingLabel;
  const fileName = state.csv.value?.file.name ?? '';
  try {
    const batch = await submission.send((phase) =>
      showPhase(state, phase, fileName, submission.startingLabel),
    );
    errors.clear();
    announce(batch.status === 'scheduled' ? 'Batch scheduled.' : 'Batch started.');
    ctx.navigate(`/batches/${encodeURIComponent(batch.id)}`);
  } catch (error) {
    if (error instanceof UploadError) {
      errors.show(
        'The batch was not created: the CSV file was not uploaded.',
        [{ path: 'csv_file', message: error.message }],
        { dismissOnEdit: true },
      );
    } else {
      errors.show(apiErrorTitle(error), apiErrorFields(error), { dismissOnEdit: true });
    }
  } finally {
    state.upload.value = null;
    state.busy.value = false;
    state.busyLabel.value = null;
  }
}

/** The upload's progress next to the CSV field, and the step in the submit button. */
function showPhase(state: NewBatchState, phase: CsvSendPhase, fileName: string, startingLabel: string): void {
  if (phase.step === 'creating') {
    state.upload.value = null;
    state.busyLabel.value = startingLabel;
    return;
  }
  if (state.upload.value === null) announce(`Uploading ${fileName}…`);
  state.busyLabel.value = 'Uploading…';
  const percent = phase.total === 0 ? 0 : Math.min(100, Math.round((phase.sent / phase.total) * 100));
  state.upload.value = { fileName, percent, total: phase.total };
}
