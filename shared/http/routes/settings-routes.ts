import * as agents from '../../app/agents.ts';
import * as phoneNumbers from '../../app/phone-numbers.ts';
import { createAgentSchema, toAgentObject, updateAgentSchema } from '../../contracts/agent.ts';
import { parseOrThrow } from '../../contracts/common.ts';
import { createPhoneNumberSchema, toPhoneNumberObject } from '../../contracts/phone-number.ts';
import { pathOf } from '../../contracts/route-paths.ts';
import { bodyKind, readJson } from '../request-body.ts';
import {
  apiRouter,
  listPage,
  noContent,
  ok,
  page,
  pathId,
  type ApiRoutesOf,
  type OpenRouteHandler,
  type OpenRoutesOf,
  type RouteHandler,
} from './route-kit.ts';

/**
 * The apiSettings function's routes: the workspace's configuration (phone numbers and their
 * credentials, agents) and the open API description.
 */

export const SETTINGS_ROUTE_HANDLERS = {
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
} satisfies Record<ApiRoutesOf<'apiSettings'>, RouteHandler>;

// The document is built on its first request and kept for the life of the function instance, so no
// other request pays for generating it.
let openApiJson: Promise<string> | undefined;
function openApiDocumentJson(): Promise<string> {
  openApiJson ??= import('../../contracts/openapi.ts').then(
    ({ buildOpenApiDocument }) => JSON.stringify(buildOpenApiDocument()),
    (error: unknown) => {
      openApiJson = undefined; // a failed build is tried again by the next request
      throw error;
    },
  );
  return openApiJson;
}

export const SETTINGS_OPEN_ROUTE_HANDLERS = {
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
} satisfies Record<OpenRoutesOf<'apiSettings'>, OpenRouteHandler>;

export const SETTINGS_ROUTER = apiRouter<'apiSettings'>(
  SETTINGS_ROUTE_HANDLERS,
  SETTINGS_OPEN_ROUTE_HANDLERS,
);
