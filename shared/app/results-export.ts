import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import {
  EXPORT_CONTENT_TYPES,
  exportFileName,
  renderExport,
  type ExportConversation,
  type ExportFormat,
} from '../domain/results-export.ts';
import { exportKey } from '../ports/exports.ts';
import type { RecipientRun } from '../ports/run-store.ts';
import type { AppDeps } from './deps.ts';

/**
 * The results export (contract "Results export"). API Gateway's HTTP API and Lambda buffer an
 * answer: the whole response may be 6 MB, and text in a Lambda answer is escaped inside its JSON
 * envelope. An export up to INLINE_EXPORT_MAX_BYTES is answered inline; a larger one is written to
 * the files bucket (exports/, expiring) and answered with a redirect to a pre-signed GET.
 */

/**
 * Far below the 6 MB limit, so that escaping (quotes and control characters grow in the envelope)
 * and headers never push an inline answer over it, and a large export costs no Lambda memory twice.
 * A batch of 1,000 recipients with 900 bytes of variables each (≈1 MB) takes the S3 path.
 */
export const INLINE_EXPORT_MAX_BYTES = 512 * 1024;

/** How long a pre-signed export link works: time enough to follow the redirect, or a slow client. */
export const EXPORT_LINK_SECONDS = 3_600;

/** Conversation reads in flight at once: 1,000 recipients in well under the API's 29 s. */
const TRANSCRIPT_READ_CONCURRENCY = 16;

export type ExportAnswer =
  | { kind: 'inline'; body: string; contentType: string; fileName: string }
  | { kind: 'redirect'; url: string; contentType: string; fileName: string };

async function readConversations(
  deps: Pick<AppDeps, 'transcripts'>,
  recipients: readonly RecipientRun[],
): Promise<Map<string, ExportConversation>> {
  const withTranscript = recipients.filter((r) => r.transcriptKey !== null);
  const out = new Map<string, ExportConversation>();
  let next = 0;
  const worker = async () => {
    while (next < withTranscript.length) {
      const recipient = withTranscript[next++];
      if (!recipient?.transcriptKey) continue;
      const conversation = await deps.transcripts.get(recipient.transcriptKey);
      if (conversation) out.set(recipient.id, conversation);
    }
  };
  await Promise.all(Array.from({ length: TRANSCRIPT_READ_CONCURRENCY }, worker));
  return out;
}

export async function exportBatch(
  deps: Pick<AppDeps, 'store' | 'runStore' | 'transcripts' | 'exports' | 'clock'>,
  workspaceId: string,
  batchId: string,
  format: ExportFormat,
): Promise<ExportAnswer> {
  const batch = await deps.store.getBatch(workspaceId, batchId);
  if (!batch) throw new NotFoundError(`Batch ${batchId} does not exist.`);
  const [recipients, agent] = await Promise.all([
    deps.runStore.listRecipientRuns(batch.id),
    deps.store.getAgent(workspaceId, batch.agentId),
  ]);
  const conversations = await readConversations(deps, recipients);
  const body = [
    ...renderExport(format, {
      variableColumns: batch.variableColumns,
      recipients,
      conversations,
      criterionIds: agent?.evaluationCriteria.map((c) => c.id) ?? [],
      dataItemIds: agent?.dataCollection.map((d) => d.id) ?? [],
    }),
  ].join('');
  const contentType = EXPORT_CONTENT_TYPES[format];
  const fileName = exportFileName(batch, format);
  if (Buffer.byteLength(body, 'utf8') <= INLINE_EXPORT_MAX_BYTES) {
    return { kind: 'inline', body, contentType, fileName };
  }
  const file = {
    key: exportKey(workspaceId, batch.id, newId('export', deps.clock().getTime()), format),
    contentType,
    fileName,
  };
  await deps.exports.write(file, body);
  return {
    kind: 'redirect',
    url: await deps.exports.presignGet(file, EXPORT_LINK_SECONDS),
    contentType,
    fileName,
  };
}
