import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { compileRoutes, matchRoute } from '#infra/local/gateway/route-match.ts';
import { ROUTES, routeKey as wiringRouteKey } from '#infra/wiring.ts';
import {
  pathOf,
  ROUTE_IDS,
  ROUTE_PATHS,
  routeKey,
  type PathParams,
  type RouteId,
} from '#shared/contracts/route-paths.ts';
import { mediaResponse, ROUTE_TABLE, type ResponseBody } from '#shared/contracts/routes.ts';
import { buildOpenApiDocument } from '#shared/contracts/openapi.ts';
import { expectRouteResponse, routeIdOf } from '../helpers/http-client.ts';
import { expectDocumentedResponse, openApiDocument } from '../helpers/openapi-check.ts';
import { Validator } from '@seriousme/openapi-schema-validator';
import { WEBHOOK_EVENTS } from '#shared/domain/agent.ts';
import type { CallEndedResult } from '#shared/app/run/call-ended.ts';
import {
  API_ROUTE_HANDLERS,
  API_ROUTERS,
  OPEN_ROUTE_HANDLERS,
  type ApiRouteId,
  type RouteHandler,
} from '#shared/http/api-routes.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import { ENV } from '#shared/config/env-names.ts';

/**
 * The route table (shared/contracts/route-paths.ts + routes.ts) is the one list of routes, each naming
 * the function that serves it: the wiring (CDK and the local gateway), the api functions' routers and
 * the dashboard's client derive from it.
 * These checks make a drift between them a failing test (the CDK side: test/infra/parity.test.ts).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const keys = (list: Array<{ method: string; path: string }>) =>
  list.map((r) => `${r.method} ${r.path}`).sort();
const paramNames = (path: string) => [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();

/**
 * Routes the contract gives more than one success status. `POST /v1/suppressions` answers `201` with a
 * new entry and `200` with the phone's existing one (or a CSV import's outcome).
 */
const SEVERAL_SUCCESSES: Partial<Record<string, number[]>> = { createSuppression: [200, 201] };

describe('the route table', () => {
  it('has one entry per id, each with schemas, and no route key twice', () => {
    expect(Object.keys(ROUTE_TABLE)).toEqual(ROUTE_IDS);
    const all = keys(Object.values(ROUTE_PATHS));
    expect(new Set(all).size).toBe(all.length);
    for (const id of ROUTE_IDS) {
      const route = ROUTE_TABLE[id];
      expect(route.path, id).toMatch(/^\/v1(\/([a-z0-9.-]+|\{[A-Za-z0-9_]+\}))+$/);
      const statuses = Object.keys(route.responses).map(Number);
      const successes = statuses.filter((s) => s >= 200 && s < 300);
      const allowed = SEVERAL_SUCCESSES[id];
      if (allowed) expect(successes.sort(), id).toEqual(allowed);
      else expect(successes, id).toHaveLength(1);
      // Every error answer is the contract's envelope.
      expect(statuses.filter((s) => s >= 400).length, id).toBeGreaterThan(0);
    }
  });

  it('declares exactly the path parameters its path names', () => {
    for (const id of ROUTE_IDS) {
      const params = (ROUTE_TABLE[id].request as { params?: z.ZodObject }).params;
      expect(Object.keys(params?.shape ?? {}).sort(), id).toEqual(paramNames(ROUTE_TABLE[id].path));
    }
  });

  it('has response schemas a JSON Schema (and so an OpenAPI document) can be generated from', () => {
    for (const id of ROUTE_IDS) {
      for (const [status, schema] of Object.entries(ROUTE_TABLE[id].responses)) {
        if (schema === null || schema === undefined) continue;
        // A non-JSON answer (mediaResponse) describes its text with a schema too.
        const zod = schema instanceof z.ZodType ? schema : schema.schema;
        expect(() => z.toJSONSchema(zod), `${id} ${status}`).not.toThrow();
      }
    }
  });

  it('builds concrete paths, encoding parameters', () => {
    expect(pathOf('getConversation', { id: 'batch_1', recipientId: 'rcp/2' })).toBe(
      '/v1/agents/batch-calls/batch_1/recipients/rcp%2F2/conversation',
    );
    expect(pathOf('listBatches', {})).toBe('/v1/agents/batch-calls');
    expect(routeKey('createBatch')).toBe('POST /v1/agents/batch-calls');
  });
});

describe('the wiring', () => {
  it('has exactly the routes of the table (method and path)', () => {
    expect(keys([...ROUTES])).toEqual(keys(Object.values(ROUTE_PATHS)));
  });

  it("serves each route by the function the table names, with the table's authentication and nothing in front", () => {
    for (const route of ROUTES) {
      const id = ROUTE_IDS.find((i) => routeKey(i) === wiringRouteKey(route)) as RouteId;
      expect({ function: route.function, auth: route.auth }, id).toEqual({
        function: ROUTE_PATHS[id].function,
        auth: ROUTE_PATHS[id].auth,
      });
      // A streamed answer cannot pass API Gateway: its function has a URL of its own.
      expect(route.via, id).toBe(FUNCTIONS[route.function].streamsAnswers ? 'functionUrl' : 'httpApi');
    }
    // Provider callbacks and the live progress stream have functions of their own.
    expect(ROUTE_PATHS.providerEvents.function).toBe('providerEvents');
    expect(ROUTE_PATHS.batchEvents.function).toBe('events');
    expect(ROUTES.filter((r) => r.via === 'functionUrl').map(wiringRouteKey)).toEqual([
      routeKey('batchEvents'),
    ]);
  });

  it('names only functions of the wiring, and gives exactly those serving API-key routes the key cache setting', () => {
    for (const route of ROUTES)
      expect(Object.keys(FUNCTIONS), wiringRouteKey(route)).toContain(route.function);
    const targets = {
      tableName: 't',
      publicBaseUrl: 'https://example.com',
      queueUrls: { dial: 'd', webhook: 'w' },
      filesBucket: 'f',
      scheduler: { groupName: 'g', targetArn: 'a', roleArn: 'r', deadLetterArn: 'q' },
      authCacheTtlSeconds: 30,
      secretsPrefix: 'batch-calls/test/',
      retentionDays: 90,
    };
    const withCache = (Object.keys(FUNCTIONS) as FunctionName[]).filter(
      (name) => functionEnvironment(name, targets)[ENV.authCacheTtlSeconds] === '30',
    );
    expect(withCache.sort()).toEqual(['apiBatches', 'apiCreate', 'apiSettings', 'apiSuppressions', 'events']);
  });

  it('routes a request for every table route to that route in the local gateway', () => {
    const compiled = compileRoutes(ROUTES);
    for (const id of ROUTE_IDS) {
      const sample = Object.fromEntries(paramNames(ROUTE_PATHS[id].path).map((n) => [n, `x_${n}`]));
      const match = matchRoute(compiled, ROUTE_PATHS[id].method, pathOf(id, sample as PathParams<RouteId>));
      expect(match && wiringRouteKey(match.route), id).toBe(routeKey(id));
      expect(match?.pathParameters, id).toEqual(sample);
    }
  });

  it('is what the local gateway and the CDK stack read (no route list of their own)', () => {
    for (const file of ['infra/local/gateway/gateway.ts', 'infra/constructs/http-api.ts']) {
      const source = readFileSync(resolve(ROOT, file), 'utf8');
      expect(source, file).toMatch(
        /import\s*\{[^}]*\bROUTES\b[^}]*\}\s*from\s*'(#infra\/|(\.\.\/)+)wiring\.ts'/,
      );
      expect(source, file).not.toMatch(/['`]\/v1\/[a-z{]/);
    }
  });
});

describe('the router', () => {
  it('gives each api function a handler for every route it serves, and none other', () => {
    for (const [name, router] of Object.entries(API_ROUTERS)) {
      const served = (auth: string) =>
        ROUTES.filter((r) => r.function === name && r.auth === auth)
          .map(wiringRouteKey)
          .sort();
      expect([...router.routes.keys()].sort(), name).toEqual(served('apiKey'));
      expect([...router.open.keys()].sort(), name).toEqual(served('none'));
    }
    // Every route the wiring gives an api function is in one of the routers.
    const routed = Object.values(API_ROUTERS).flatMap((r) => [...r.routes.keys(), ...r.open.keys()]);
    expect(routed.sort()).toEqual(
      ROUTES.filter((r) => r.function in API_ROUTERS)
        .map(wiringRouteKey)
        .sort(),
    );
    expect(Object.keys(API_ROUTE_HANDLERS).sort()).toEqual(
      ROUTE_IDS.filter(
        (id) => ROUTE_PATHS[id].auth === 'apiKey' && ROUTE_PATHS[id].function in API_ROUTERS,
      ).sort(),
    );
    expect(Object.keys(OPEN_ROUTE_HANDLERS).sort()).toEqual(
      ROUTE_IDS.filter((id) => ROUTE_PATHS[id].auth === 'none').sort(),
    );
  });

  it('makes a missing or an unknown handler a type error', () => {
    const handler: RouteHandler = async () => ({ statusCode: 204, headers: {}, body: '' });
    const { createBatch: _missing, ...allButOne } = API_ROUTE_HANDLERS;
    // @ts-expect-error createBatch has no handler
    const missing = allButOne satisfies Record<ApiRouteId, RouteHandler>;
    const extra = {
      ...API_ROUTE_HANDLERS,
      // @ts-expect-error no route has this id
      deleteEverything: handler,
    } satisfies Record<ApiRouteId, RouteHandler>;
    expect(Object.keys(missing)).not.toContain('createBatch');
    expect(Object.keys(extra)).toContain('deleteEverything');
  });

  it('answers provider callbacks with the results the use case gives', () => {
    // A check of types, made by `npm run typecheck` (the first step of `npm test`).
    expectTypeOf<ResponseBody<'providerEvents'>['results'][number]>().toEqualTypeOf<CallEndedResult>();
  });
});

describe("the integration tests' answer check (test/helpers/http-client.ts)", () => {
  const envelope = { error: { code: 'not_found', message: 'Batch x does not exist.' }, request_id: 'r' };

  it('finds the route a request goes to, literal segments first', () => {
    expect(routeIdOf('GET', '/v1/agents/batch-calls?limit=2')).toBe('listBatches');
    expect(routeIdOf('GET', '/v1/agents/agent_1')).toBe('getAgent');
    expect(routeIdOf('POST', '/v1/telephony/twilio/events')).toBe('providerEvents');
    expect(routeIdOf('GET', '/v1/nothing')).toBeNull();
  });

  it('refuses a body that drifted from the schema, and a status the route does not declare', () => {
    expect(() => expectRouteResponse('getBatch', 404, envelope)).not.toThrow();
    expect(() => expectRouteResponse('getBatch', 200, { batch: {}, recipients: [] })).toThrow(
      /does not match/,
    );
    expect(() => expectRouteResponse('getBatch', 418, envelope)).toThrow(/does not declare/);
    expect(() => expectRouteResponse('deleteAgent', 204, undefined, '')).not.toThrow();
    expect(() => expectRouteResponse('deleteAgent', 204, {}, '{}')).toThrow(/has none/);
  });
});

describe('the OpenAPI document (GET /v1/openapi.json)', () => {
  const doc = openApiDocument();
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

  it('is valid OpenAPI 3.1 for a standard validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('a validator refuses a document that breaks the standard (the check above can fail)', async () => {
    // A body parameter is OpenAPI 2 (3.x has requestBody).
    const broken = structuredClone(doc);
    (broken.paths['/v1/agents']?.get?.parameters as unknown[]).push({ name: 'x', in: 'body' });
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has exactly the paths of the route table, the wiring and the router', () => {
    const documented = keys(operations);
    expect(documented).toEqual(keys(Object.values(ROUTE_PATHS)));
    expect(documented).toEqual(keys([...ROUTES]));
    const routed = [
      ...Object.values(API_ROUTERS).flatMap((r) => [...r.routes.keys(), ...r.open.keys()]),
      ...ROUTES.filter((r) => !(r.function in API_ROUTERS)).map(wiringRouteKey),
    ].sort();
    expect(documented).toEqual(routed);
  });

  it('gives each route its id, its statuses, its parameters and its security', () => {
    for (const id of ROUTE_IDS) {
      const { method, path, auth } = ROUTE_PATHS[id];
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op?.operationId, id).toBe(id);
      expect(Object.keys(op?.responses ?? {}).sort(), id).toEqual(
        Object.keys(ROUTE_TABLE[id].responses).sort(),
      );
      const inPath = ((op?.parameters ?? []) as Array<{ in: string; name: string }>)
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      expect(inPath, id).toEqual(paramNames(path));
      // Only API-key routes ask for the bearer scheme (the document's default).
      expect(op?.security, id).toEqual(auth === 'apiKey' ? undefined : []);
      for (const [status, answer] of Object.entries(op?.responses ?? {})) {
        if (Number(status) >= 400) {
          expect(answer.content?.['application/json']?.schema, `${id} ${status}`).toEqual({
            $ref: '#/components/schemas/Error',
          });
        }
      }
    }
    expect(doc.components).toMatchObject({ securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } });
  });

  it('describes JSON and multipart bodies, the CSV file and the idempotency header', () => {
    const create = doc.paths['/v1/agents/batch-calls']?.post as Record<string, any>;
    const content = create.requestBody.content;
    expect(content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateBatchBody' });
    expect(content['multipart/form-data'].schema.properties.csv_file).toEqual({
      type: 'string',
      contentMediaType: 'text/csv',
    });
    expect(content['multipart/form-data'].schema.required).toEqual(
      expect.arrayContaining(['name', 'agent_id', 'csv_file']),
    );
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header', required: false }),
    );
    const list = doc.paths['/v1/agents/batch-calls']?.get as Record<string, any>;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'agent_id',
      'cursor',
      'limit',
      'status',
    ]);
  });

  it('describes a route of the table with a non-JSON answer by its media type, with no other step', async () => {
    const exportRoute = {
      method: 'GET',
      path: '/v1/things/{id}/export',
      auth: 'apiKey',
      function: 'apiBatches',
      request: { params: z.strictObject({ id: z.string() }), query: z.object({ format: z.enum(['csv']) }) },
      responses: { 200: mediaResponse('text/csv'), 404: ROUTE_TABLE.getBatch.responses[404] },
    } as const;
    const withExport = buildOpenApiDocument({ ...ROUTE_TABLE, exportThings: exportRoute });
    const op = withExport.paths['/v1/things/{id}/export']?.get;
    expect(op?.operationId).toBe('exportThings');
    expect(op?.responses['200']?.content).toEqual({ 'text/csv': { schema: { type: 'string' } } });
    expect(op?.parameters).toContainEqual(
      expect.objectContaining({ name: 'format', in: 'query', required: true }),
    );
    expect((await new Validator().validate(withExport)).valid).toBe(true);
  });

  it('lists every webhook event with its signed JSON body', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENTS].sort());
    for (const event of WEBHOOK_EVENTS) {
      const post = doc.webhooks[event]?.post as Record<string, any>;
      expect(post.requestBody.content['application/json'].schema.$ref, event).toMatch(/Event$/);
      expect(
        post.parameters.map((p: { name: string }) => p.name),
        event,
      ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
  });

  it("checks answers against the document's schemas, and refuses what drifted", () => {
    const envelope = { error: { code: 'not_found', message: 'x' }, request_id: 'r' };
    expect(() => expectDocumentedResponse('getBatch', 404, envelope)).not.toThrow();
    expect(() => expectDocumentedResponse('getBatch', 404, { error: 'x' })).toThrow(/does not match/);
    expect(() => expectDocumentedResponse('getBatch', 200, { batch: {}, recipients: [] })).toThrow(
      /does not match/,
    );
    expect(() => expectDocumentedResponse('getBatch', 418, envelope)).toThrow(/does not list/);
    expect(() => expectDocumentedResponse('deleteAgent', 204, undefined, '')).not.toThrow();
    expect(() => expectDocumentedResponse('deleteAgent', 204, {}, '{}')).toThrow(/has none/);
    expect(() => expectDocumentedResponse('getOpenApi', 200, doc)).not.toThrow();
  });
});
