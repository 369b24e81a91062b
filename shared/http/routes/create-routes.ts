import * as batches from '../../app/batches.ts';
import { preflightBatch } from '../../app/preflight.ts';
import { readUploadedRecipients } from '../../app/uploads.ts';
import { validateCreateBatchJson, type CreateBatchInput } from '../../contracts/batch.ts';
import { toBatchObject } from '../../contracts/batch-objects.ts';
import { toPreflightReportObject, unplannedReport } from '../../contracts/preflight.ts';
import { pathOf, routeKey } from '../../contracts/route-paths.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { ApiRequest } from '../api-request.ts';
import { readIdempotencyKey, requestFingerprint, withIdempotency } from '../idempotency.ts';
import { parseCreateBatchMultipart } from '../parse-multipart.ts';
import { bodyBytes, bodyKind, contentTypeOf, readJson } from '../request-body.ts';
import { apiRouter, ok, type ApiRoutesOf, type RouteHandler } from './route-kit.ts';

/**
 * The apiCreate function's routes: a new batch and its dry run. They alone read JSON recipients,
 * multipart CSVs and uploaded CSVs, validate phone numbers and resolve time zones, so the CSV and
 * multipart parsers and the phone data ship with this function only.
 */

async function readCreateBatch(req: ApiRequest): Promise<CreateBatchInput> {
  const kind = bodyKind(req.event, ['json', 'multipart']);
  if (kind === 'json') return validateCreateBatchJson(readJson(req.event), req.now);
  return parseCreateBatchMultipart(bodyBytes(req.event), contentTypeOf(req.event), req.now);
}

export const CREATE_ROUTE_HANDLERS = {
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
} satisfies Record<ApiRoutesOf<'apiCreate'>, RouteHandler>;

export const CREATE_ROUTER = apiRouter<'apiCreate'>(CREATE_ROUTE_HANDLERS, {});
