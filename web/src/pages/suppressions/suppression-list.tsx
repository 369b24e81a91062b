import type { SuppressionObject } from '../../../../shared/contracts/suppression.ts';
import { useSignal } from '@preact/signals';
import { errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { PageHead } from '../../components/list-page.tsx';
import { mountPage } from '../../components/mount.tsx';
import { Loaded, useResource } from '../../components/resource.tsx';
import { DataTable, Field, Time } from '../../components/widgets.tsx';
import { openConversation } from '../batch-detail/conversation.tsx';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';

const PAGE_SIZE = 50;

/**
 * The workspace's suppression list: phones never dialed. Oldest first, a page at a time ("Show
 * more"), or the one entry of a phone. An entry captured from a call (an opt-out) opens the
 * conversation it came from and links to its batch.
 */
export const suppressionListPage = mountPage((ctx) => <SuppressionList ctx={ctx} />);

/** What "Show more" added after the first page; `next` counts once `paged` (the first page's cursor until then). */
interface More {
  entries: SuppressionObject[];
  next: string | null;
  paged: boolean;
}

function SuppressionList({ ctx }: { ctx: AppContext }) {
  const typed = useSignal('');
  const phone = useSignal('');
  const more = useSignal<More>({ entries: [], next: null, paged: false });
  const loadingMore = useSignal(false);
  const { resource, reload } = useResource(async () => {
    const page = await ctx.api.listSuppressions({ limit: PAGE_SIZE, phone: phone.value || undefined });
    more.value = { entries: [], next: null, paged: false };
    return { entries: page.suppressions, next: page.next_cursor };
  }, [phone.value]);

  const search = (event: Event) => {
    event.preventDefault();
    phone.value = typed.value.trim();
  };
  const showMore = async (cursor: string) => {
    loadingMore.value = true;
    try {
      const page = await ctx.api.listSuppressions({ limit: PAGE_SIZE, cursor });
      more.value = {
        entries: [...more.value.entries, ...page.suppressions],
        next: page.next_cursor,
        paged: true,
      };
    } catch (error) {
      toast(`More entries could not be loaded: ${errorMessage(error)}`, 'error');
    } finally {
      loadingMore.value = false;
    }
  };

  return (
    <>
      <PageHead title="Suppressions" addHref="#/suppressions/new" addLabel="Add suppressions" />
      <p class="muted">Phones on this list are never called, in any batch of this workspace.</p>
      <form class="actions" role="search" aria-label="Find a phone" onSubmit={search}>
        <Field label="Phone" hint="E.164, e.g. +14155550100; empty shows every entry.">
          <input
            type="search"
            name="phone"
            autocomplete="off"
            value={typed.value}
            onInput={(e) => (typed.value = e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="button">
          Find
        </button>
      </form>
      <Loaded resource={resource.value} what="suppressions" retry={reload}>
        {(first) => {
          const entries = [...first.entries, ...more.value.entries];
          const next = more.value.paged ? more.value.next : first.next;
          if (entries.length === 0) {
            return (
              <p class="empty">
                {phone.value ? 'This phone is not on the list.' : 'No suppressed phones yet.'}
              </p>
            );
          }
          return (
            <>
              <DataTable
                label="Suppressions"
                testId="suppression-table"
                columns={[
                  'Phone',
                  'Reason',
                  'Source',
                  'Conversation',
                  'Added',
                  'Expires',
                  { label: 'Actions', hidden: true },
                ]}
              >
                {entries.map((s) => (
                  <SuppressionRow key={s.id} ctx={ctx} entry={s} reload={reload} />
                ))}
              </DataTable>
              {next === null ? null : (
                <nav class="pager" aria-label="More suppressions">
                  <button
                    type="button"
                    class="button"
                    disabled={loadingMore.value}
                    onClick={() => void showMore(next)}
                  >
                    Show more
                  </button>
                </nav>
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function SuppressionRow({
  ctx,
  entry: s,
  reload,
}: {
  ctx: AppContext;
  entry: SuppressionObject;
  reload: () => void;
}) {
  const remove = async () => {
    const sure = await confirmDialog({
      title: `Remove ${s.phone}?`,
      message: h('p', {}, 'Batches may call this phone again.'),
      confirmLabel: 'Remove',
      danger: true,
    });
    if (!sure) return;
    try {
      await ctx.api.deleteSuppression(s.id);
      toast('Phone removed from the list.');
      reload();
    } catch (error) {
      toast(`The phone was not removed: ${errorMessage(error)}`, 'error');
    }
  };
  return (
    <tr data-suppression-id={s.id}>
      <td class="mono">{s.phone}</td>
      <td>{s.reason ?? <span class="muted">—</span>}</td>
      <td>{s.source}</td>
      <td>
        <ConversationCell ctx={ctx} entry={s} />
      </td>
      <td>
        <Time iso={s.created_at} />
      </td>
      <td>{s.expires_at === null ? <span class="muted">never</span> : <Time iso={s.expires_at} />}</td>
      <td>
        <button type="button" class="button button-small button-danger" onClick={() => void remove()}>
          Remove<span class="visually-hidden"> {s.phone}</span>
        </button>
      </td>
    </tr>
  );
}

/**
 * The conversation an opt-out was captured in, opened in place (the recipient is read first: the
 * dialog shows its phone and status). Entries older than the batch and recipient ids show the id only.
 */
function ConversationCell({ ctx, entry: s }: { ctx: AppContext; entry: SuppressionObject }) {
  if (s.conversation_id === null) return <span class="muted">—</span>;
  const { batch_id: batchId, recipient_id: recipientId } = s;
  if (batchId === null || recipientId === null) return <span class="mono">{s.conversation_id}</span>;
  const open = async () => {
    try {
      openConversation(ctx, batchId, await ctx.api.getRecipient(batchId, recipientId));
    } catch (error) {
      toast(`The conversation could not be opened: ${errorMessage(error)}`, 'error');
    }
  };
  return (
    <>
      <button type="button" class="button button-small" onClick={() => void open()}>
        View conversation<span class="visually-hidden"> of {s.phone}</span>
      </button>{' '}
      <a href={`#/batches/${encodeURIComponent(batchId)}`}>
        Batch<span class="visually-hidden"> of the opt-out of {s.phone}</span>
      </a>
    </>
  );
}
