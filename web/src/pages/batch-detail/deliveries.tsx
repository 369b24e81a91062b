import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { WebhookDelivery } from '../../api/types.ts';
import type { AppContext } from '../../app-context.ts';
import { useResource } from '../../components/resource.tsx';
import { DataTable, StatusBadge, Time } from '../../components/widgets.tsx';
import { toast } from '../../ui/live.ts';

/**
 * The batch's webhook delivery log, fetched again whenever `version` moves on (see
 * use-batch-detail.ts). Nothing shows until the first answer.
 */
export function Deliveries(props: { ctx: AppContext; batchId: string; version: number }) {
  const { resource, reload } = useResource(
    async () => (await props.ctx.api.listWebhookDeliveries(props.batchId)).deliveries,
  );
  // The mount loads once already; every later version loads again.
  const mounted = useRef(false);
  useEffect(() => {
    if (mounted.current) reload();
    mounted.current = true;
  }, [props.version]);
  const r = resource.value;
  return (
    <section aria-labelledby="deliveries-h">
      {r.state === 'loading' ? null : <h2 id="deliveries-h">Webhook deliveries</h2>}
      {r.state === 'error' ? (
        <p class="muted">The delivery log could not be loaded: {r.message}</p>
      ) : r.state === 'loading' ? null : r.value.length === 0 ? (
        <p class="muted">No webhook events yet (the agent may have no webhook URL).</p>
      ) : (
        <DataTable
          label="Webhook deliveries"
          testId="delivery-table"
          columns={[
            'Event',
            'Status',
            'Attempts',
            'Last attempt',
            'Next try',
            { label: 'Actions', hidden: true },
          ]}
        >
          {r.value.map((d) => (
            <DeliveryRow key={d.id} ctx={props.ctx} delivery={d} reload={reload} />
          ))}
        </DataTable>
      )}
    </section>
  );
}

function DeliveryRow({
  ctx,
  delivery: d,
  reload,
}: {
  ctx: AppContext;
  delivery: WebhookDelivery;
  reload: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const last = d.attempts[d.attempts.length - 1];
  const redeliver = () => {
    setBusy(true);
    ctx.api.redeliver(d.id).then(
      () => {
        toast(`${d.event_type} sent again.`);
        setBusy(false);
        reload();
      },
      (error: unknown) => {
        toast(`Redelivery failed: ${errorMessage(error)}`, 'error');
        setBusy(false);
      },
    );
  };
  return (
    <tr data-delivery-id={d.id}>
      <td>{d.event_type}</td>
      <td>
        <StatusBadge status={d.status} />
      </td>
      <td class="num">{String(d.attempts.length)}</td>
      <td>
        {last === undefined ? (
          '—'
        ) : (
          <span>
            <Time iso={last.at} />
            {' · '}
            {last.status_code === null ? 'no answer' : `HTTP ${last.status_code}`}
            {last.error === null ? '' : ` · ${last.error}`}
          </span>
        )}
      </td>
      <td>
        <Time iso={d.next_attempt_at} />
      </td>
      <td>
        <button type="button" class="button button-small" disabled={busy} onClick={redeliver}>
          Redeliver
        </button>
      </td>
    </tr>
  );
}
