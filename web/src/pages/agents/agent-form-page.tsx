import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import type { PhoneNumberObject } from '../../../../shared/contracts/phone-number.ts';
import { useSignal } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { mountPage } from '../../components/mount.tsx';
import { BackLink, PageHeading } from '../../components/page-heading.tsx';
import { Loaded, useResource } from '../../components/resource.tsx';
import { SecretPanel } from '../../components/widgets.tsx';
import { AgentForm } from './agent-form.tsx';

/** One form for creating and editing an agent, with the webhook secret shown once when issued. */
export const agentFormPage = mountPage((ctx, params) => <AgentFormPage ctx={ctx} id={params['id']} />);

/**
 * A secret issued by a create, shown once by the agent's page, which the create navigates to at once.
 * An update or a rotation that issues one shows it on the page it was made from.
 */
let secretToShow: { agentId: string; secret: string } | null = null;

function AgentFormPage({ ctx, id }: { ctx: AppContext; id: string | undefined }) {
  const { resource, reload } = useResource(
    () =>
      Promise.all([
        id === undefined ? Promise.resolve(null) : ctx.api.getAgent(id),
        ctx.api.listPhoneNumbers(),
      ]),
    [],
    (error) =>
      error instanceof ApiError && error.status === 404 ? 'There is no such agent.' : errorMessage(error),
  );
  return (
    <>
      <BackLink href="#/agents" label="Agents" />
      <PageHeading text={id === undefined ? 'New agent' : 'Edit agent'} />
      <Loaded resource={resource.value} what="the agent" retry={reload}>
        {([agent, numbers]) => <AgentEditor ctx={ctx} agent={agent} numbers={numbers} />}
      </Loaded>
    </>
  );
}

/** The secret waiting for this agent, if any; taking it means it is never shown again. */
function takeSecretFor(agent: AgentObject | null): { secret: string; title: string; focus: boolean } | null {
  if (agent === null || secretToShow?.agentId !== agent.id) return null;
  const { secret } = secretToShow;
  secretToShow = null;
  return { secret, title: 'Webhook signing secret', focus: false };
}

/** The secret panel (when there is one to show) above the form; a rotation replaces it. */
function AgentEditor(props: { ctx: AppContext; agent: AgentObject | null; numbers: PhoneNumberObject[] }) {
  const { agent } = props;
  const shown = useSignal(useMemo(() => takeSecretFor(agent), []));
  return (
    <div>
      <div>{shown.value === null ? null : <SecretPanel {...shown.value} />}</div>
      <AgentForm
        ctx={props.ctx}
        agent={agent}
        numbers={props.numbers}
        onSaved={(saved) => {
          if (saved.webhook_secret === undefined) return;
          if (agent === null) secretToShow = { agentId: saved.id, secret: saved.webhook_secret };
          else shown.value = { secret: saved.webhook_secret, title: 'Webhook signing secret', focus: true };
        }}
        onRotated={(secret) => (shown.value = { secret, title: 'New webhook signing secret', focus: true })}
      />
    </div>
  );
}
