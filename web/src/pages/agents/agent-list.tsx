import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import { ListPage } from '../../components/list-page.tsx';
import { mountPage } from '../../components/mount.tsx';
import { Time } from '../../components/widgets.tsx';
import { agentPlaceholders } from '../../lib/sample-csv.ts';

/** Agents with the number each calls from (the number's id when it is gone). */
export const agentListPage = mountPage((ctx) => (
  <ListPage
    title="Agents"
    addHref="#/agents/new"
    addLabel="New agent"
    what="agents"
    load={async () => {
      const [agents, numbers] = await Promise.all([ctx.api.listAgents(), ctx.api.listPhoneNumbers()]);
      const numberById = new Map(numbers.map((n) => [n.id, n.phone_number]));
      return agents.map((agent) => ({
        agent,
        number:
          agent.phone_number_id === null
            ? '—'
            : (numberById.get(agent.phone_number_id) ?? agent.phone_number_id),
      }));
    }}
    empty={
      <p class="empty">
        No agents yet. <a href="#/agents/new">Create one</a>.
      </p>
    }
    table={{ testId: 'agent-table', columns: ['Name', 'Number', 'Placeholders', 'Webhook', 'Created'] }}
    row={({ agent, number }) => <AgentRow key={agent.id} agent={agent} number={number} />}
  />
));

function AgentRow({ agent: a, number }: { agent: AgentObject; number: string }) {
  return (
    <tr>
      <td>
        <a href={`#/agents/${encodeURIComponent(a.id)}`}>{a.name}</a>
      </td>
      <td class="mono">{number}</td>
      <td class="mono">{agentPlaceholders(a).join(', ') || '—'}</td>
      <td class="mono wrap">{a.webhook_url ?? '—'}</td>
      <td>
        <Time iso={a.created_at} />
      </td>
    </tr>
  );
}
