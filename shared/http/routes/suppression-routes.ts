import * as suppressions from '../../app/suppressions.ts';
import { parseOrThrow } from '../../contracts/common.ts';
import { pathOf } from '../../contracts/route-paths.ts';
import {
  suppressionListQuerySchema,
  toSuppressionObject,
  validateCreateSuppression,
} from '../../contracts/suppression.ts';
import { parseSuppressionMultipart } from '../parse-suppression-multipart.ts';
import { bodyBytes, bodyKind, contentTypeOf, readJson } from '../request-body.ts';
import {
  apiRouter,
  listPage,
  noContent,
  ok,
  pathId,
  type ApiRoutesOf,
  type RouteHandler,
} from './route-kit.ts';

/**
 * The apiSuppressions function's routes: the workspace's suppression list, one phone at a time or a
 * CSV import (so the CSV and multipart parsers ship with this function and the create function only).
 */

export const SUPPRESSION_ROUTE_HANDLERS = {
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
} satisfies Record<ApiRoutesOf<'apiSuppressions'>, RouteHandler>;

export const SUPPRESSION_ROUTER = apiRouter<'apiSuppressions'>(SUPPRESSION_ROUTE_HANDLERS, {});
