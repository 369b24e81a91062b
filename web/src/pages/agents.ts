import { type AgentObject, createAgentSchema, updateAgentSchema } from '../../../shared/contracts/agent.ts';
import { checkWith } from '../../../shared/contracts/common.ts';
import type { PhoneNumberObject } from '../../../shared/contracts/phone-number.ts';
import { WEBHOOK_EVENTS } from '../../../shared/domain/agent.ts';
import { LIMITS } from '../../../shared/domain/limits.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import { type AppContext, focusHeading, type Page, pageHeading } from '../app-context.ts';
import { confirmDialog } from '../ui/dialog.ts';
import { field, h, replaceChildren, uid } from '../ui/dom.ts';
import { FormErrors } from '../ui/form-errors.ts';
import { type ItemEditor, itemEditor } from '../ui/item-editor.ts';
import { toast } from '../ui/live.ts';
import { errorEl, loadingEl, secretPanel } from '../ui/widgets.ts';

/** Agents: the list, and one form for creating and editing (with the webhook secret's rotation). */

/** A secret issued by the create call, shown once by the page the create navigates to. */
let secretToShow: { agentId: string; secret: string } | null = null;

export const agentFormPage: Page = (ctx, main, params) => {
  const id = params['id'];
  const title = id === undefined ? 'New agent' : 'Edit agent';
  main.append(
    h('p', {}, h('a', { href: '#/agents' }, '← Agents')),
    pageHeading(title),
    loadingEl('the agent'),
  );
  focusHeading(main);
  let disposed = false;
  const load = async () => {
    try {
      const [agent, numbers] = await Promise.all([
        id === undefined ? Promise.resolve(null) : ctx.api.getAgent(id),
        ctx.api.listPhoneNumbers(),
      ]);
      if (disposed) return;
      main.lastElementChild?.replaceWith(agentForm(ctx, agent, numbers));
    } catch (error) {
      if (disposed) return;
      const message =
        error instanceof ApiError && error.status === 404 ? 'There is no such agent.' : errorMessage(error);
      main.lastElementChild?.replaceWith(errorEl(message, () => void load()));
    }
  };
  void load();
  return () => {
    disposed = true;
  };
};

function agentForm(ctx: AppContext, agent: AgentObject | null, numbers: PhoneNumberObject[]): HTMLElement {
  const secretBox = h('div', {});
  if (agent !== null && secretToShow?.agentId === agent.id) {
    secretBox.append(secretPanel(secretToShow.secret, 'Webhook signing secret'));
    secretToShow = null;
  }

  const name = h('input', { type: 'text', name: 'name', value: agent?.name ?? '', maxlength: 200 });
  const prompt = h('textarea', { name: 'prompt', rows: 6 }, agent?.prompt ?? '');
  const firstMessage = h('textarea', { name: 'first_message', rows: 3 }, agent?.first_message ?? '');
  const number = h(
    'select',
    { name: 'phone_number_id' },
    h('option', { value: '' }, 'No number'),
    ...numbers.map((n) =>
      h(
        'option',
        { value: n.id, selected: agent?.phone_number_id === n.id },
        `${n.phone_number}${n.label === null ? '' : ` (${n.label})`}${n.outbound ? '' : ' — not outbound'}`,
      ),
    ),
  );
  const webhookUrl = h('input', {
    type: 'url',
    name: 'webhook_url',
    value: agent?.webhook_url ?? '',
    placeholder: 'https://example.com/hooks/calls',
  });
  const eventBoxes = WEBHOOK_EVENTS.map((event) => {
    const box = h('input', {
      type: 'checkbox',
      value: event,
      id: uid('ev'),
      checked: (agent?.webhook_events ?? ['conversation.completed']).includes(event),
    });
    return { event, box };
  });
  const maxConcurrent = h('input', {
    type: 'number',
    name: 'max_concurrent_calls',
    min: LIMITS.maxConcurrentCalls.min,
    max: LIMITS.maxConcurrentCalls.max,
    value: agent?.max_concurrent_calls ?? LIMITS.maxConcurrentCalls.default,
  });
  const telephonyKeys = ['twiml_url', 'elevenlabs_agent_id', 'vapi_assistant_id', 'retell_agent_id'] as const;
  const telephony = telephonyKeys.map((key) => ({
    key,
    input: h('input', { type: 'text', name: key, value: agent?.telephony[key] ?? '' }),
  }));
  const criteria: ItemEditor = itemEditor({
    legend: 'Evaluation criteria',
    path: 'evaluation_criteria',
    addLabel: 'Add criterion',
    columns: [
      { key: 'id', label: 'Id' },
      { key: 'description', label: 'Description' },
    ],
    initial: agent?.evaluation_criteria ?? [],
  });
  const dataCollection: ItemEditor = itemEditor({
    legend: 'Data collection',
    path: 'data_collection',
    addLabel: 'Add field',
    columns: [
      { key: 'id', label: 'Id' },
      { key: 'type', label: 'Type', options: ['string', 'number', 'boolean'] },
      { key: 'description', label: 'Description' },
    ],
    initial: agent?.data_collection ?? [],
  });

  const submit = h(
    'button',
    { type: 'submit', class: 'button button-primary' },
    agent === null ? 'Create agent' : 'Save changes',
  );
  const actions = h(
    'div',
    { class: 'actions' },
    h('a', { class: 'button', href: '#/agents' }, 'Back'),
    submit,
  );
  const form = h(
    'form',
    { class: 'form', novalidate: true, 'aria-label': agent === null ? 'New agent' : 'Edit agent' },
    field('Name', name, { path: 'name' }),
    field('Prompt', prompt, {
      path: 'prompt',
      hint: 'Use {{placeholders}} such as {{first_name}}: each recipient fills them in.',
    }),
    field('First message', firstMessage, {
      path: 'first_message',
      hint: 'What the agent says first (optional).',
    }),
    field('Phone number', number, {
      path: 'phone_number_id',
      hint: 'Batches call from this number unless they pick another.',
    }),
    field('Webhook URL', webhookUrl, {
      path: 'webhook_url',
      hint: 'Optional: where call results are POSTed, signed with a secret shown once.',
    }),
    h(
      'fieldset',
      { class: 'fieldset', 'data-path': 'webhook_events' },
      h('legend', {}, 'Webhook events'),
      ...eventBoxes.map(({ event, box }) => h('label', { for: box.id, class: 'check' }, box, ` ${event}`)),
    ),
    field('Max concurrent calls', maxConcurrent, { path: 'max_concurrent_calls' }),
    criteria.el,
    dataCollection.el,
    h(
      'details',
      { class: 'fieldset' },
      h('summary', {}, 'Telephony provider settings'),
      ...telephony.map(({ key, input }) => field(key, input, { path: `telephony.${key}` })),
    ),
    actions,
  );
  const errors = new FormErrors(form);

  const body = (): Record<string, unknown> => {
    const orNull = (v: string) => (v.trim() === '' ? null : v);
    const tel = Object.fromEntries(
      telephony.filter((t) => t.input.value.trim() !== '').map((t) => [t.key, t.input.value.trim()]),
    );
    const max = maxConcurrent.value.trim();
    return {
      name: name.value,
      prompt: prompt.value,
      first_message: orNull(firstMessage.value),
      phone_number_id: orNull(number.value),
      webhook_url: orNull(webhookUrl.value.trim()),
      webhook_events: eventBoxes.filter((e) => e.box.checked).map((e) => e.event),
      max_concurrent_calls: max === '' ? undefined : Number(max),
      telephony: tel,
      evaluation_criteria: criteria.values(),
      data_collection: dataCollection.values(),
    };
  };

  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const request = body();
    const check = checkWith(agent === null ? createAgentSchema : updateAgentSchema, request);
    if (!check.ok) {
      errors.show(
        `The agent cannot be saved yet: ${check.issues.length} problem${check.issues.length === 1 ? '' : 's'} to fix.`,
        check.issues,
      );
      return;
    }
    busy = true;
    submit.disabled = true;
    const saving = agent === null ? ctx.api.createAgent(request) : ctx.api.updateAgent(agent.id, request);
    saving.then(
      (saved) => {
        busy = false;
        submit.disabled = false;
        errors.clear();
        if (saved.webhook_secret !== undefined)
          secretToShow = { agentId: saved.id, secret: saved.webhook_secret };
        toast(agent === null ? 'Agent created.' : 'Agent saved.');
        if (agent === null) ctx.navigate(`/agents/${encodeURIComponent(saved.id)}`);
      },
      (error: unknown) => {
        busy = false;
        submit.disabled = false;
        const fields =
          error instanceof ApiError && error.fields.length === 0 && error.code === 'phone_number_not_found'
            ? [{ path: 'phone_number_id', message: error.message }]
            : error instanceof ApiError
              ? error.fields
              : [];
        errors.show(`The agent was not saved: ${errorMessage(error)}`, fields);
      },
    );
  });

  if (agent !== null) {
    const rotate = h(
      'button',
      { type: 'button', class: 'button', disabled: agent.webhook_url === null },
      'Rotate webhook secret',
    );
    rotate.addEventListener('click', () => {
      void (async () => {
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
          if (rotated.webhook_secret !== undefined) {
            replaceChildren(secretBox, secretPanel(rotated.webhook_secret, 'New webhook signing secret'));
            secretBox.querySelector<HTMLInputElement>('input')?.focus();
          }
          toast('Webhook secret rotated.');
        } catch (error) {
          toast(`The secret was not rotated: ${errorMessage(error)}`, 'error');
        }
      })();
    });
    const remove = h('button', { type: 'button', class: 'button button-danger' }, 'Delete agent');
    remove.addEventListener('click', () => {
      void (async () => {
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
      })();
    });
    actions.prepend(rotate, remove);
  }

  return h('div', {}, secretBox, form);
}
