import type { BatchObject, RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { exportFileName } from '../../../../shared/domain/results-export.ts';
import { useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';
import { confirmDialog } from '../../ui/dialog.ts';
import { h } from '../../ui/dom.ts';
import { toast } from '../../ui/live.ts';

/** The batch name's longest form (contract: 1–200 characters). */
const NAME_MAX = 200;
const AGAIN_SUFFIX = ' (call again)';

/** Saves a blob under `name` through a temporary link (the browser's own download). */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled: revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "Download CSV" / "Download JSONL": the results export, inline or through its pre-signed link. */
export function ExportButtons({ ctx, batch }: { ctx: AppContext; batch: BatchObject }) {
  const [busy, setBusy] = useState<'csv' | 'jsonl' | null>(null);
  const download = async (format: 'csv' | 'jsonl') => {
    setBusy(format);
    try {
      saveBlob(await ctx.api.downloadExport(batch.id, format), exportFileName(batch, format));
    } catch (error) {
      toast(`The export could not be downloaded: ${errorMessage(error)}`, 'error');
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <button type="button" class="button" disabled={busy !== null} onClick={() => void download('csv')}>
        {busy === 'csv' ? 'Preparing…' : 'Download CSV'}
      </button>
      <button type="button" class="button" disabled={busy !== null} onClick={() => void download('jsonl')}>
        {busy === 'jsonl' ? 'Preparing…' : 'Download JSONL'}
      </button>
    </>
  );
}

/** Every failed recipient (no answer, busy, failed), through the recipient query's pages. */
async function failedRecipients(ctx: AppContext, batchId: string): Promise<RecipientObject[]> {
  const found: RecipientObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.api.listRecipients(batchId, { status: 'failed', limit: 200, cursor });
    found.push(...page.recipients);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return found;
}

/**
 * "Call again" on a finished batch: a new batch of its failed and unanswered recipients, with the
 * same agent, caller number and variables, after a confirm; then it opens the new batch.
 */
export function CallAgainButton({ ctx, batch }: { ctx: AppContext; batch: BatchObject }) {
  const [busy, setBusy] = useState(false);
  const callAgain = async () => {
    setBusy(true);
    try {
      const recipients = await failedRecipients(ctx, batch.id);
      if (recipients.length === 0) {
        toast('No recipient of this batch failed or went unanswered.');
        return;
      }
      const name = `${batch.name.slice(0, NAME_MAX - AGAIN_SUFFIX.length)}${AGAIN_SUFFIX}`;
      const sure = await confirmDialog({
        title: 'Call these recipients again?',
        message: h(
          'p',
          {},
          `A new batch “${name}” will call the ${recipients.length} recipient${recipients.length === 1 ? '' : 's'} of this batch that failed or did not answer, with the same agent and variables. It starts dialing at once.`,
        ),
        confirmLabel: 'Create batch',
        cancelLabel: 'Not now',
      });
      if (!sure) return;
      const created = await ctx.api.createBatchJson(
        {
          name,
          agent_id: batch.agent_id,
          phone_number_id: batch.phone_number_id,
          recipients: recipients.map((r) => ({ phone: r.phone, dynamic_vars: r.dynamic_vars })),
        },
        crypto.randomUUID(),
      );
      toast('Batch created.');
      window.location.hash = `#/batches/${encodeURIComponent(created.id)}`;
    } catch (error) {
      toast(`The new batch was not created: ${errorMessage(error)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="button" disabled={busy} onClick={() => void callAgain()}>
      Call again
    </button>
  );
}
