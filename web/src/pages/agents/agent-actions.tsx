import type { AgentObject } from '../../../../shared/contracts/agent.ts';
import { errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';

/** What an existing agent's form offers besides saving: a new webhook secret, and deletion. */
export function AgentActions(props: {
  ctx: AppContext;
  agent: AgentObject;
  onRotated: (secret: string) => void;
}) {
  const { ctx, agent } = props;
  const rotate = async () => {
    const sure = await confirmDialog({
      title: 'Rotate the webhook secret?',
      message: h(
        'p',
        {},
        'A new secret starts signing now; the old one keeps signing alongside it for 24 hours, so you can switch your receiver over.',
      ),
      confirmLabel: 'Rotate secret',
    });
    if (!sure) return;
    try {
      const rotated = await ctx.api.rotateWebhookSecret(agent.id);
      if (rotated.webhook_secret !== undefined) props.onRotated(rotated.webhook_secret);
      toast('Webhook secret rotated.');
    } catch (error) {
      toast(`The secret was not rotated: ${errorMessage(error)}`, 'error');
    }
  };
  const remove = async () => {
    const sure = await confirmDialog({
      title: 'Delete this agent?',
      message: h('p', {}, `Batches of “${agent.name}” that have not started yet will fail.`),
      confirmLabel: 'Delete agent',
      danger: true,
    });
    if (!sure) return;
    try {
      await ctx.api.deleteAgent(agent.id);
      toast('Agent deleted.');
      ctx.navigate('/agents');
    } catch (error) {
      toast(`The agent was not deleted: ${errorMessage(error)}`, 'error');
    }
  };
  return (
    <>
      <button
        type="button"
        class="button"
        disabled={agent.webhook_url === null}
        onClick={() => void rotate()}
      >
        Rotate webhook secret
      </button>
      <button type="button" class="button button-danger" onClick={() => void remove()}>
        Delete agent
      </button>
    </>
  );
}
