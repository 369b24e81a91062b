import type { BatchObject } from '../../../../shared/contracts/batch-objects.ts';
import type { ComponentChildren } from 'preact';
import { ApiError } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { useResource } from '../../components/resource.tsx';
import { Time } from '../../components/widgets.tsx';
import { formatWindow, guardrailsText, retryText } from '../../lib/campaign.ts';

/** The batch's facts: who calls, when it moved, how it dials, where it came from. */

export function Facts({ ctx, batch }: { ctx: AppContext; batch: BatchObject }) {
  return (
    <section class="summary" aria-label="Batch summary">
      <dl class="facts">
        <CallerFacts ctx={ctx} agentId={batch.agent_id} phoneNumberId={batch.phone_number_id} />
        <Fact label="Created">
          <Time iso={batch.created_at} />
        </Fact>
        {batch.scheduled_at === null ? null : (
          <Fact label="Scheduled for">
            <Time iso={batch.scheduled_at} />
          </Fact>
        )}
        {batch.started_at === null ? null : (
          <Fact label="Started">
            <Time iso={batch.started_at} />
          </Fact>
        )}
        {batch.completed_at === null ? null : (
          <Fact label="Finished">
            <Time iso={batch.completed_at} />
          </Fact>
        )}
        {batch.paused_at === null || batch.status !== 'paused' ? null : (
          <Fact label="Paused">
            <Time iso={batch.paused_at} />
          </Fact>
        )}
        {batch.stopped_at === null ? null : (
          <Fact label="Stopped">
            <Time iso={batch.stopped_at} />
          </Fact>
        )}
        {batch.cancelled_at === null ? null : (
          <Fact label="Cancelled">
            <Time iso={batch.cancelled_at} />
          </Fact>
        )}
        <Fact label="Retries">{retryText(batch.retry)}</Fact>
        {batch.calling_window === null ? null : (
          <Fact label="Calling window">{formatWindow(batch.calling_window)}</Fact>
        )}
        {batch.guardrails === null ? null : (
          <Fact label="Guardrails">{guardrailsText(batch.guardrails)}</Fact>
        )}
        {batch.contact_limit === null ? null : (
          <Fact label="Contact limit">
            {`at most ${batch.contact_limit.max_attempts} call${batch.contact_limit.max_attempts === 1 ? '' : 's'} per phone in any ${batch.contact_limit.window_hours} h, across batches`}
          </Fact>
        )}
        <Fact label="Source">{batch.source === 'csv' ? 'CSV upload' : 'JSON'}</Fact>
        <Fact label="Batch id">
          <span class="mono">{batch.id}</span>
        </Fact>
      </dl>
      {batch.failure_reason === null ? null : (
        <p class="notice notice-error">Failed: {batch.failure_reason}</p>
      )}
    </section>
  );
}

/**
 * Who calls: the agent (linked to its page) and the number the batch dials from, looked up once per
 * batch (not on every refresh). Until they are in, and when either was deleted since, the ids stand
 * in for them.
 */
function CallerFacts(props: { ctx: AppContext; agentId: string; phoneNumberId: string }) {
  const { resource } = useResource(async () => {
    const [agent, numbers] = await Promise.all([
      props.ctx.api
        .getAgent(props.agentId)
        .catch((error: unknown) =>
          error instanceof ApiError && error.status === 404 ? null : Promise.reject(error),
        ),
      props.ctx.api.listPhoneNumbers(),
    ]);
    return { agent, number: numbers.find((n) => n.id === props.phoneNumberId) ?? null };
  }, [props.agentId, props.phoneNumberId]);
  const r = resource.value;
  const found = r.state === 'ready' ? r.value : null;
  const gone = (id: string) => (
    <span>
      <span class="mono">{id}</span>
      {r.state === 'ready' ? <span class="muted"> (deleted)</span> : null}
    </span>
  );
  return (
    <>
      <Fact label="Agent" testId="batch-agent">
        {found === null || found.agent === null ? (
          gone(props.agentId)
        ) : (
          <a href={`#/agents/${encodeURIComponent(found.agent.id)}`}>{found.agent.name}</a>
        )}
      </Fact>
      <Fact label="Calls from" testId="batch-caller">
        {found === null || found.number === null ? (
          gone(props.phoneNumberId)
        ) : (
          <span>
            <span class="mono">{found.number.phone_number}</span>
            {found.number.label === null ? null : <span class="muted">{` (${found.number.label})`}</span>}
          </span>
        )}
      </Fact>
    </>
  );
}

function Fact({ label, testId, children }: { label: string; testId?: string; children: ComponentChildren }) {
  return (
    <div class="fact" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
