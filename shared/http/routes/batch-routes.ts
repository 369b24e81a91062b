import * as batches from '../../app/batches.ts';
import * as deliveries from '../../app/deliveries.ts';
import { listRecipients } from '../../app/recipient-queries.ts';
import { exportBatch } from '../../app/results-export.ts';
import { createUpload } from '../../app/uploads.ts';
import { batchListQuerySchema } from '../../contracts/batch.ts';
import { validateBatchEdit } from '../../contracts/batch-edit.ts';
import { toBatchObject, toRecipientObject, toRecipientWithHistory } from '../../contracts/batch-objects.ts';
import { parseOrThrow } from '../../contracts/common.ts';
import { exportQuerySchema, recipientFilterOf, recipientQuerySchema } from '../../contracts/results.ts';
import { toConversationResponse, toDeliveryObject } from '../../contracts/run.ts';
import type { UploadTicket } from '../../contracts/upload.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { isId } from '../../domain/ids.ts';
import { exportResponse } from '../export-response.ts';
import { bodyKind, readJson } from '../request-body.ts';
import { apiRouter, listPage, ok, pathId, type ApiRoutesOf, type RouteHandler } from './route-kit.ts';

/**
 * The apiBatches function's routes: everything about batches that exist (reads, controls, edits,
 * results, exports, transcripts, webhook deliveries) and the CSV upload ticket a create then names.
 */

export const BATCH_ROUTE_HANDLERS = {
  createUpload: async (req, deps) => {
    const upload = await createUpload(deps, req.workspaceId);
    const ticket: UploadTicket = {
      upload_id: upload.uploadId,
      method: 'POST',
      url: upload.url,
      fields: upload.fields,
      file_field: 'file',
      max_bytes: upload.maxBytes,
      expires_at: upload.expiresAt,
    };
    return ok(req, ticket, 201);
  },
  listBatches: async (req, deps) => {
    const q = parseOrThrow(batchListQuerySchema, req.query);
    const filter = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.agent_id ? { agentId: q.agent_id } : {}),
    };
    const result = await batches.listBatches(deps, req.workspaceId, filter, {
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
    return ok(req, listPage('batches', result.items, result.nextCursor, toBatchObject));
  },
  getBatch: async (req, deps) => {
    const { batch, recipients } = await batches.getBatchDetail(deps, req.workspaceId, pathId(req, 'batch'));
    return ok(req, { batch: toBatchObject(batch), recipients: recipients.map(toRecipientObject) });
  },
  cancelBatch: async (req, deps) =>
    ok(req, toBatchObject(await batches.cancelBatch(deps, req.workspaceId, pathId(req, 'batch')))),
  editBatch: async (req, deps) => {
    const id = pathId(req, 'batch');
    bodyKind(req.event, ['json']);
    const edit = validateBatchEdit(readJson(req.event));
    return ok(req, toBatchObject(await batches.editBatch(deps, req.workspaceId, id, edit)));
  },
  pauseBatch: async (req, deps) =>
    ok(req, toBatchObject(await batches.pauseBatch(deps, req.workspaceId, pathId(req, 'batch')))),
  resumeBatch: async (req, deps) =>
    ok(req, toBatchObject(await batches.resumeBatch(deps, req.workspaceId, pathId(req, 'batch')))),
  stopBatch: async (req, deps) =>
    ok(req, toBatchObject(await batches.stopBatch(deps, req.workspaceId, pathId(req, 'batch')))),
  listRecipients: async (req, deps) => {
    const id = pathId(req, 'batch');
    const q = parseOrThrow(recipientQuerySchema, req.query);
    const result = await listRecipients(deps, req.workspaceId, id, recipientFilterOf(q), {
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
    return ok(req, listPage('recipients', result.items, result.nextCursor, toRecipientObject));
  },
  exportBatch: async (req, deps) => {
    const id = pathId(req, 'batch');
    const q = parseOrThrow(exportQuerySchema, req.query);
    const answer = await exportBatch(deps, req.workspaceId, id, q.format);
    return exportResponse(req, answer);
  },
  getRecipient: async (req, deps) => {
    const recipientId = req.path.recipientId ?? '';
    if (!isId('recipient', recipientId)) throw new NotFoundError(`Recipient ${recipientId} does not exist.`);
    const r = await batches.getRecipient(deps, req.workspaceId, pathId(req, 'batch'), recipientId);
    return ok(req, toRecipientWithHistory(r));
  },
  getConversation: async (req, deps) => {
    const recipientId = req.path.recipientId ?? '';
    if (!isId('recipient', recipientId)) throw new NotFoundError(`Recipient ${recipientId} does not exist.`);
    const c = await deliveries.getConversation(deps, req.workspaceId, pathId(req, 'batch'), recipientId);
    return ok(req, toConversationResponse(c));
  },
  listWebhookDeliveries: async (req, deps) => {
    const records = await deliveries.listDeliveries(deps, req.workspaceId, pathId(req, 'batch'));
    return ok(req, { deliveries: records.map(toDeliveryObject) });
  },
  redeliverWebhook: async (req, deps) => {
    const record = await deliveries.redeliver(deps, req.workspaceId, req.path.id ?? '');
    return ok(req, toDeliveryObject(record), 202);
  },
} satisfies Record<ApiRoutesOf<'apiBatches'>, RouteHandler>;

export const BATCH_ROUTER = apiRouter<'apiBatches'>(BATCH_ROUTE_HANDLERS, {});
