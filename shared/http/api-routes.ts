import { createAgentSchema, toAgentObject, updateAgentSchema } from '../contracts/agent.ts';
import { batchListQuerySchema, validateCreateBatchJson, type CreateBatchInput } from '../contracts/batch.ts';
import { toBatchObject, toRecipientObject, toRecipientWithHistory } from '../contracts/batch-objects.ts';
import { pageQuerySchema, parseOrThrow } from '../contracts/common.ts';
import { createPhoneNumberSchema, toPhoneNumberObject } from '../contracts/phone-number.ts';
import * as agents from '../app/agents.ts';
import * as batches from '../app/batches.ts';
import type { AppDeps } from '../app/deps.ts';
import * as deliveries from '../app/deliveries.ts';
import * as phoneNumbers from '../app/phone-numbers.ts';
import * as suppressions from '../app/suppressions.ts';
import { listRecipients } from '../app/recipient-queries.ts';
import { exportBatch } from '../app/results-export.ts';
import { exportQuerySchema, recipientFilterOf, recipientQuerySchema } from '../contracts/results.ts';
import { preflightBatch } from '../app/preflight.ts';
import { createUpload, readUploadedRecipients } from '../app/uploads.ts';
import { toPreflightReportObject, unplannedReport } from '../contracts/preflight.ts';
import {
  suppressionListQuerySchema,
  toSuppressionObject,
  validateCreateSuppression,
} from '../contracts/suppression.ts';
import type { UploadTicket } from '../contracts/upload.ts';
import { pathOf, routeKey, type RouteIdWithAuth } from '../contracts/route-paths.ts';
import { validateBatchEdit } from '../contracts/batch-edit.ts';
import { toConversationResponse, toDeliveryObject } from '../contracts/run.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { isId } from '../domain/ids.ts';
import type { ApiRequest } from './api-request.ts';
import { readIdempotencyKey, requestFingerprint, withIdempotency } from './idempotency.ts';
import { parseCreateBatchMultipart } from './parse-multipart.ts';
import { parseSuppressionMultipart } from './parse-suppression-multipart.ts';
import { bodyBytes, bodyKind, contentTypeOf, readJson } from './request-body.ts';
import { exportResponse } from './export-response.ts';
import { json, type HttpResponse } from './respond.ts';

/**
 * Route handlers, one per API route of the route table (shared/contracts/route-paths.ts, the table
 * infra/wiring.ts also derives its routes from). Each one parses its input, calls one use case and
 * shapes the answer; no business rules live here.
 */
export type RouteHandler = (req: ApiRequest, deps: AppDeps) => Promise<HttpResponse>;

/** `{<key>: [...], next_cursor, has_more}`: the shape of every list answer. */
function listPage<T, U>(key: string, items: T[], nextCursor: string | null, present: (item: T) => U) {
  return { [key]: items.map(present), next_cursor: nextCursor, has_more: nextCursor !== null };
}

const ok = (req: ApiRequest, body: unknown, status = 200, headers: Record<string, string> = {}) =>
  json(status, body, req.requestId, headers);

const noContent = (req: ApiRequest): HttpResponse => ({
  statusCode: 204,
  headers: { 'x-request-id': req.requestId },
  body: '',
});

/** A path id of the wrong shape cannot exist: answer 404 without a lookup. */
function pathId(req: ApiRequest, kind: 'batch' | 'agent' | 'phoneNumber' | 'suppression'): string {
  const id = req.path.id ?? '';
  if (!isId(kind, id)) {
    const code =
      kind === 'agent' ? 'agent_not_found' : kind === 'phoneNumber' ? 'phone_number_not_found' : 'not_found';
    const what = { phoneNumber: 'Phone number', agent: 'Agent', batch: 'Batch', suppression: 'Suppression' }[
      kind
    ];
    throw new NotFoundError(`${what} ${id} does not exist.`, code);
  }
  return id;
}

function page(req: ApiRequest) {
  const q = parseOrThrow(pageQuerySchema, req.query);
  return { limit: q.limit, cursor: q.cursor ?? null };
}

async function readCreateBatch(req: ApiRequest): Promise<CreateBatchInput> {
  const kind = bodyKind(req.event, ['json', 'multipart']);
  if (kind === 'json') return validateCreateBatchJson(readJson(req.event), req.now);
  return parseCreateBatchMultipart(bodyBytes(req.event), contentTypeOf(req.event), req.now);
}

/** The routes the api function serves: every API-key route of the table (the others have their own function). */
export type ApiRouteId = RouteIdWithAuth<'apiKey'>;

/**
 * One handler per API route id. `satisfies` makes a route of the table without a handler, or a
 * handler for no route of it, a type error (it used to show only at run time, as a 500).
 */
export const API_ROUTE_HANDLERS = {
  // Phone numbers
  createPhoneNumber: async (req, deps) => {
    bodyKind(req.event, ['json']);
    const input = parseOrThrow(createPhoneNumberSchema, readJson(req.event));
    const phone = await phoneNumbers.createPhoneNumber(deps, req.workspaceId, input);
    return ok(req, toPhoneNumberObject(phone), 201, { location: pathOf('getPhoneNumber', { id: phone.id }) });
  },
  listPhoneNumbers: async (req, deps) => {
    const result = await phoneNumbers.listPhoneNumbers(deps, req.workspaceId, page(req));
    return ok(req, listPage('phone_numbers', result.items, result.nextCursor, toPhoneNumberObject));
  },
  getPhoneNumber: async (req, deps) =>
    ok(
      req,
      toPhoneNumberObject(
        await phoneNumbers.getPhoneNumber(deps, req.workspaceId, pathId(req, 'phoneNumber')),
      ),
    ),
  deletePhoneNumber: async (req, deps) => {
    await phoneNumbers.deletePhoneNumber(deps, req.workspaceId, pathId(req, 'phoneNumber'));
    return noContent(req);
  },

  // Agents
  createAgent: async (req, deps) => {
    bodyKind(req.event, ['json']);
    const input = parseOrThrow(createAgentSchema, readJson(req.event));
    const { agent, newSecret } = await agents.createAgent(deps, req.workspaceId, input);
    return ok(req, toAgentObject(agent, { revealSecret: newSecret !== undefined }), 201, {
      location: pathOf('getAgent', { id: agent.id }),
    });
  },
  listAgents: async (req, deps) => {
    const result = await agents.listAgents(deps, req.workspaceId, page(req));
    return ok(
      req,
      listPage('agents', result.items, result.nextCursor, (a) => toAgentObject(a)),
    );
  },
  getAgent: async (req, deps) =>
    ok(req, toAgentObject(await agents.getAgent(deps, req.workspaceId, pathId(req, 'agent')))),
  updateAgent: async (req, deps) => {
    const id = pathId(req, 'agent');
    bodyKind(req.event, ['json']);
    const patch = parseOrThrow(updateAgentSchema, readJson(req.event));
    const { agent, newSecret } = await agents.updateAgent(deps, req.workspaceId, id, patch);
    return ok(req, toAgentObject(agent, { revealSecret: newSecret !== undefined }));
  },
  deleteAgent: async (req, deps) => {
    await agents.deleteAgent(deps, req.workspaceId, pathId(req, 'agent'));
    return noContent(req);
  },
  rotateWebhookSecret: async (req, deps) => {
    const { agent, newSecret } = await agents.rotateWebhookSecret(
      deps,
      req.workspaceId,
      pathId(req, 'agent'),
    );
    return ok(req, toAgentObject(agent, { revealSecret: newSecret !== undefined }));
  },

  // Batch calls
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
  createBatch: async (req, deps) => {
    const key = readIdempotencyKey(req.event.headers);
    const input = await readCreateBatch(req);
    const route = routeKey('createBatch');
    return withIdempotency(
      deps.store,
      {
        workspaceId: req.workspaceId,
        key,
        fingerprint: requestFingerprint(route, input),
        requestId: req.requestId,
        now: req.now,
      },
      async () => {
        const full = await readUploadedRecipients(deps, req.workspaceId, input);
        const batch = await batches.createBatch(deps, req.workspaceId, full);
        return ok(req, toBatchObject(batch), 202, { location: pathOf('getBatch', { id: batch.id }) });
      },
    );
  },
  preflightBatch: async (req, deps) => {
    // Create's own readers (JSON, multipart + CSV, an uploaded CSV), with their limits. What they
    // cannot read at all (400 invalid_request, 413, 415) is answered as create answers it; what
    // breaks create's rules is the report's `errors`.
    let input: CreateBatchInput;
    try {
      input = await readUploadedRecipients(deps, req.workspaceId, await readCreateBatch(req));
    } catch (error) {
      if (error instanceof ValidationError) return ok(req, unplannedReport(error.fields));
      throw error;
    }
    return ok(req, toPreflightReportObject(await preflightBatch(deps, req.workspaceId, input)));
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

  // Suppression list
  createSuppression: async (req, deps) => {
    if (bodyKind(req.event, ['json', 'multipart']) === 'multipart') {
      const upload = await parseSuppressionMultipart(bodyBytes(req.event), contentTypeOf(req.event));
      const result = await suppressions.importSuppressions(deps, req.workspaceId, upload.rows, upload.issues);
      return ok(req, { added: result.added, already_present: result.alreadyPresent, errors: result.errors });
    }
    const input = validateCreateSuppression(readJson(req.event), req.now);
    const { entry, created } = await suppressions.addSuppression(deps, req.workspaceId, input);
    return ok(req, toSuppressionObject(entry), created ? 201 : 200, {
      location: pathOf('getSuppression', { id: entry.id }),
    });
  },
  listSuppressions: async (req, deps) => {
    const q = parseOrThrow(suppressionListQuerySchema, req.query);
    const result = await suppressions.listSuppressions(
      deps,
      req.workspaceId,
      { phone: q.phone ?? null },
      { limit: q.limit, cursor: q.cursor ?? null },
    );
    return ok(req, listPage('suppressions', result.items, result.nextCursor, toSuppressionObject));
  },
  getSuppression: async (req, deps) =>
    ok(
      req,
      toSuppressionObject(
        await suppressions.getSuppression(deps, req.workspaceId, pathId(req, 'suppression')),
      ),
    ),
  deleteSuppression: async (req, deps) => {
    await suppressions.deleteSuppression(deps, req.workspaceId, pathId(req, 'suppression'));
    return noContent(req);
  },
} satisfies Record<ApiRouteId, RouteHandler>;

/** The routes the api function serves without an API key (`auth: 'none'` in the route table). */
export type OpenRouteId = RouteIdWithAuth<'none'>;
/** An open route's handler: no workspace, and no dependency on the stores. */
export type OpenRouteHandler = (req: Omit<ApiRequest, 'workspaceId'>) => Promise<HttpResponse>;

// The document is built on its first request and kept for the life of the function instance; the
// generator is imported only then, so no other request pays for it at a cold start.
let openApiJson: Promise<string> | undefined;
function openApiDocumentJson(): Promise<string> {
  openApiJson ??= import('../contracts/openapi.ts').then(
    ({ buildOpenApiDocument }) => JSON.stringify(buildOpenApiDocument()),
    (error: unknown) => {
      openApiJson = undefined; // a failed build is tried again by the next request
      throw error;
    },
  );
  return openApiJson;
}

export const OPEN_ROUTE_HANDLERS = {
  getOpenApi: async (req) => ({
    statusCode: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': req.requestId,
      // The same for every caller, and it changes only with a deployment.
      'cache-control': 'public, max-age=300',
    },
    body: await openApiDocumentJson(),
  }),
} satisfies Record<OpenRouteId, OpenRouteHandler>;

/** The open handlers by API Gateway's route key. */
export const OPEN_ROUTE_HANDLERS_BY_KEY: ReadonlyMap<string, OpenRouteHandler> = new Map(
  (Object.keys(OPEN_ROUTE_HANDLERS) as OpenRouteId[]).map((id) => [routeKey(id), OPEN_ROUTE_HANDLERS[id]]),
);

/** The handlers by API Gateway's route key (`event.routeKey`), the way requests arrive. */
export const ROUTE_HANDLERS: ReadonlyMap<string, RouteHandler> = new Map(
  (Object.keys(API_ROUTE_HANDLERS) as ApiRouteId[]).map((id) => [routeKey(id), API_ROUTE_HANDLERS[id]]),
);
