import type { PhoneNumberObject } from '../../../../shared/contracts/phone-number.ts';
import { errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { ListPage } from '../../components/list-page.tsx';
import { mountPage } from '../../components/mount.tsx';
import { Time } from '../../components/widgets.tsx';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';

/**
 * Phone numbers. The API has no update for a number (its provider credentials are write-only), so
 * "editing" one means deleting it and adding it again.
 */
export const phoneNumberListPage = mountPage((ctx) => (
  <ListPage
    title="Phone numbers"
    addHref="#/phone-numbers/new"
    addLabel="Add number"
    what="phone numbers"
    load={() => ctx.api.listPhoneNumbers()}
    empty={
      <p class="empty">
        No numbers yet. <a href="#/phone-numbers/new">Add one</a>.
      </p>
    }
    table={{
      testId: 'number-table',
      // Eight columns do not fit a phone: there each number is a card of labelled values.
      class: 'table table-cards',
      columns: [
        'Number',
        'Label',
        'Provider',
        'Outbound',
        'Calls / s',
        'Credentials',
        'Added',
        { label: 'Actions', hidden: true },
      ],
    }}
    row={(n, reload) => <NumberRow key={n.id} ctx={ctx} number={n} reload={reload} />}
  />
));

function NumberRow({
  ctx,
  number: n,
  reload,
}: {
  ctx: AppContext;
  number: PhoneNumberObject;
  reload: () => void;
}) {
  const remove = async () => {
    const sure = await confirmDialog({
      title: `Delete ${n.phone_number}?`,
      message: h(
        'p',
        {},
        'Agents bound to it lose their number; batches that have not started from it will fail.',
      ),
      confirmLabel: 'Delete number',
      danger: true,
    });
    if (!sure) return;
    try {
      await ctx.api.deletePhoneNumber(n.id);
      toast('Number deleted.');
      reload();
    } catch (error) {
      toast(`The number was not deleted: ${errorMessage(error)}`, 'error');
    }
  };
  const creds = Object.entries(n.credentials ?? {});
  return (
    <tr>
      <td data-label="Number">
        <span class="mono">{n.phone_number}</span>
      </td>
      <td data-label="Label">{n.label ?? '—'}</td>
      <td data-label="Provider">{n.provider}</td>
      <td data-label="Outbound">{n.outbound ? 'yes' : 'no'}</td>
      <td class="num" data-label="Calls / s">
        {String(n.calls_per_second)}
      </td>
      <td data-label="Credentials">
        <span class="mono wrap">
          {creds.length === 0 ? '—' : creds.map(([k, v]) => `${k}: ${v}`).join(', ')}
        </span>
      </td>
      <td data-label="Added">
        <Time iso={n.created_at} />
      </td>
      <td>
        <button type="button" class="button button-small button-danger" onClick={() => void remove()}>
          Delete<span class="visually-hidden"> {n.phone_number}</span>
        </button>
      </td>
    </tr>
  );
}
