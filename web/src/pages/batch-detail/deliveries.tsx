import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { WebhookDelivery } from '../../api/types.ts';
import type { AppContext } from '../../app-context.ts';
import { useResource } from '../../components/resource.tsx';
import { DataTable, StatusBadge, Time } from '../../components/widgets.tsx';
import { toast } from '../../ui/live.ts';
import { Poller } from '../../ui/poller.ts';

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
            <DeliveryRow key={d.id} ctx={props.ctx} batchId={props.batchId} delivery={d} />
          ))}
        </DataTable>
      )}
    </section>
  );
}

/** How often, and how long, a redelivered row asks for its new attempt. */
const FOLLOW_MS = 1_000;
const FOLLOW_FOR_MS = 30_000;

/**
 * One event's deliveries. A redelivery is queued (202) and tried a moment later, when the page may no
 * longer poll (a finished batch): the row shows the queued state at once, then asks for the log
 * until its new attempt is recorded, so its status and attempts change without a reload.
 */
function DeliveryRow({
  ctx,
  batchId,
  delivery,
}: {
  ctx: AppContext;
  batchId: string;
  delivery: WebhookDelivery;
}) {
  const [busy, setBusy] = useState(false);
  // What this row learnt by itself since the page's last load of the log; a newer load replaces it.
  const [fresh, setFresh] = useState<WebhookDelivery | null>(null);
  useEffect(() => setFresh(null), [delivery]);
  const follow = useRef<Poller | null>(null);
  useEffect(() => () => follow.current?.stop(), []);
  const d = fresh ?? delivery;
  const last = d.attempts[d.attempts.length - 1];

  const followUp = (queued: WebhookDelivery) => {
    const until = Date.now() + FOLLOW_FOR_MS;
    follow.current?.stop();
    follow.current = new Poller(async () => {
      // Checked first: a failed poll is retried by the Poller, and must not be retried for ever.
      if (Date.now() >= until) return false;
      const now = (await ctx.api.listWebhookDeliveries(batchId)).deliveries.find((x) => x.id === queued.id);
      if (now === undefined) return false;
      setFresh(now);
      return now.attempts.length <= queued.attempts.length;
    }, FOLLOW_MS);
    follow.current.start();
  };
  const redeliver = () => {
    setBusy(true);
    ctx.api.redeliver(d.id).then(
      (queued) => {
        toast(`${d.event_type} sent again.`);
        setBusy(false);
        setFresh(queued);
        followUp(queued);
      },
      (error: unknown) => {
        toast(`Redelivery failed: ${errorMessage(error)}`, 'error');
        setBusy(false);
      },
    );
  };
  return (
    <tr data-delivery-id={d.id} data-status={d.status}>
      <td>{d.event_type}</td>
      <td>
        <StatusBadge status={d.status} />
      </td>
      <td class="num" data-testid="delivery-attempts">
        {String(d.attempts.length)}
      </td>
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
          Redeliver<span class="visually-hidden">{` ${d.event_type}`}</span>
        </button>
      </td>
    </tr>
  );
}
