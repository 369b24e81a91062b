import * as z from 'zod';
import { WEBHOOK_EVENTS } from '../domain/agent.ts';
import { agentObjectSchema } from './agent.ts';
import { batchObjectSchema, recipientObjectSchema } from './batch-objects.ts';
import { errorEnvelopeSchema } from './common.ts';
import { phoneNumberObjectSchema } from './phone-number.ts';
import { ROUTE_TABLE, type ResponseSchema, type RouteDefinition } from './routes.ts';
import { deliveryObjectSchema } from './run.ts';
import { suppressionObjectSchema } from './suppression.ts';
import { WEBHOOK_DESCRIPTIONS, WEBHOOK_PAYLOAD_SCHEMAS } from './webhooks.ts';

/**
 * The OpenAPI 3.1 document of the API (`GET /v1/openapi.json`), generated from the route table
 * (routes.ts) and the webhook payload schemas (webhooks.ts) with zod's JSON Schema output (draft
 * 2020-12, the dialect of OpenAPI 3.1). Nothing here is written by hand per route: a route added to
 * the table is described by the next build of the document. Request schemas are described as they
 * are accepted (`io: 'input'`), answers as they are sent (`io: 'output'`). Only the api function
 * loads this module, on the first request for the document (shared/http/api-routes.ts).
 */

export type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  webhooks: Record<string, { post: OpenApiOperation }>;
  components: { schemas: Record<string, JsonSchema> } & Record<string, unknown>;
};
export interface OpenApiOperation {
  operationId?: string;
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  [key: string]: unknown;
}

const SCHEMA_REF = '#/components/schemas/';
const BEARER = 'apiKey';

/** Names of the objects many routes answer with, so the document shows them once. */
const SHARED_OBJECTS: ReadonlyArray<readonly [z.ZodType, string]> = [
  [errorEnvelopeSchema, 'Error'],
  [batchObjectSchema, 'Batch'],
  [recipientObjectSchema, 'Recipient'],
  [agentObjectSchema, 'Agent'],
  [phoneNumberObjectSchema, 'PhoneNumber'],
  [suppressionObjectSchema, 'Suppression'],
  [deliveryObjectSchema, 'WebhookDelivery'],
];

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request: `invalid_request` (malformed input) or `validation_error` (with `fields`)',
  401: 'Unauthorized: no, unknown or revoked API key',
  404: 'Not Found (a resource of another workspace is indistinguishable from a missing one)',
  409: 'Conflict (a status that does not allow this, or an `Idempotency-Key` conflict)',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests (see `Retry-After`)',
  500: 'Internal Server Error (opaque; quote the request id)',
};

function jsonSchemaOptions(io: 'input' | 'output') {
  // `unrepresentable: 'any'`: a refinement or a preprocessing step has no JSON Schema form; its
  // place accepts anything in the document and the service still checks it.
  return { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' } as const;
}

/** A schema converted on its own, without `$schema` (it sits inside the document). */
function inline(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, jsonSchemaOptions(io)) as JsonSchema;
  return rest;
}

/**
 * Schemas placed under `components.schemas` and referred to by `$ref`: one registry per direction,
 * since a schema with transforms accepts other values than it produces.
 */
class Components {
  private readonly registries = { input: z.registry<{ id: string }>(), output: z.registry<{ id: string }>() };
  private readonly taken = new Set<string>();

  constructor() {
    for (const [schema, name] of SHARED_OBJECTS) this.name(schema, 'output', name);
  }

  ref(schema: z.ZodType, io: 'input' | 'output', name: string): JsonSchema {
    return { $ref: SCHEMA_REF + this.name(schema, io, name) };
  }

  private name(schema: z.ZodType, io: 'input' | 'output', wanted: string): string {
    const registry = this.registries[io];
    const known = registry.get(schema)?.id;
    if (known !== undefined) return known;
    let id = wanted;
    for (let n = 2; this.taken.has(id); n++) id = `${wanted}${n}`;
    this.taken.add(id);
    registry.add(schema, { id });
    return id;
  }

  schemas(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const io of ['input', 'output'] as const) {
      const { schemas } = z.toJSONSchema(this.registries[io], {
        ...jsonSchemaOptions(io),
        uri: (id) => SCHEMA_REF + id,
      });
      for (const [id, schema] of Object.entries(schemas)) {
        const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
        out[id] = rest;
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** `/v1/agents/batch-calls/{id}` → `batch-calls`: the resource a route belongs to. */
function tagOf(path: string): string {
  const segments = path.split('/').slice(2);
  return segments[0] === 'agents' && segments[1] === 'batch-calls' ? 'batch-calls' : (segments[0] ?? '');
}

/** Query, path or header parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, where: 'query' | 'path' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const json = inline(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function requestBody(id: string, route: RouteDefinition, components: Components): JsonSchema | undefined {
  const body = route.request.body;
  if (!body) return undefined;
  const content: Record<string, { schema: JsonSchema }> = {};
  if (body.json)
    content['application/json'] = { schema: components.ref(body.json, 'input', `${pascal(id)}Body`) };
  if (body.multipart) {
    const form = inline(body.multipart, 'input');
    const properties = { ...((form.properties ?? {}) as Record<string, JsonSchema>) };
    const required = [...((form.required ?? []) as string[])];
    for (const [name, mediaType] of Object.entries(body.files ?? {})) {
      properties[name] = { type: 'string', contentMediaType: mediaType };
      required.push(name);
    }
    content['multipart/form-data'] = { schema: { ...form, properties, required } };
  }
  return { required: true, content };
}

function response(
  id: string,
  status: number,
  schema: ResponseSchema,
  components: Components,
): OpenApiOperation['responses'][string] {
  const description = REASONS[status] ?? `HTTP ${status}`;
  const headers: Record<string, JsonSchema> = { 'X-Request-ID': { $ref: '#/components/headers/RequestId' } };
  if (status === 429) headers['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
  // A redirect (a large export's pre-signed download) is read from its Location.
  if (status >= 300 && status < 400) {
    headers.Location = {
      description: 'Where to fetch the answer',
      schema: { type: 'string', format: 'uri' },
    };
  }
  const answer = { description, headers };
  if (schema === null) return answer;
  if (schema instanceof z.ZodType) {
    return {
      ...answer,
      content: { 'application/json': { schema: components.ref(schema, 'output', `${pascal(id)}${status}`) } },
    };
  }
  const text = inline(schema.schema, 'output');
  return {
    ...answer,
    content: Object.fromEntries(schema.mediaTypes.map((type) => [type, { schema: text }])),
  };
}

function operation(id: string, route: RouteDefinition, components: Components): OpenApiOperation {
  const responses: OpenApiOperation['responses'] = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    if (schema !== undefined) responses[status] = response(id, Number(status), schema, components);
  }
  const op: OpenApiOperation = {
    operationId: id,
    tags: [tagOf(route.path)],
    parameters: [
      ...parameters(route.request.params, 'path'),
      ...parameters(route.request.query, 'query'),
      ...parameters(route.request.headers, 'header'),
    ],
    responses,
  };
  const body = requestBody(id, route, components);
  if (body) op.requestBody = body;
  // Open routes and provider callbacks (authenticated by the provider's signature) need no API key.
  if (route.auth !== 'apiKey') op.security = [];
  if (route.auth === 'provider') {
    op.description = "A telephony provider's callback, authenticated by the provider's own signature.";
  }
  return op;
}

function webhook(event: (typeof WEBHOOK_EVENTS)[number], components: Components): { post: OpenApiOperation } {
  const name = event
    .split(/[._]/)
    .map((part) => pascal(part))
    .join('');
  const header = (headerName: string, description: string) => ({
    name: headerName,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
  });
  return {
    post: {
      operationId: `webhook${name}`,
      summary: event,
      description: WEBHOOK_DESCRIPTIONS[event],
      parameters: [
        header('webhook-id', 'The same on every retry of one event.'),
        header('webhook-timestamp', 'Unix seconds of this attempt.'),
        header(
          'webhook-signature',
          '`v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>` (Standard Webhooks v1); ' +
            'space-separated signatures during a secret rotation.',
        ),
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: components.ref(WEBHOOK_PAYLOAD_SCHEMAS[event], 'output', `${name}Event`),
          },
        },
      },
      responses: {
        '2XX': { description: 'Delivered. Only a 2xx within 15 s is a delivery.' },
        default: { description: 'Not delivered: retried with backoff for at least 24 hours.' },
      },
    },
  };
}

/**
 * The whole document. Pure and deterministic: the same route table gives the same document. `routes`
 * is the route table (another one only in tests).
 */
export function buildOpenApiDocument(
  routes: Readonly<Record<string, RouteDefinition>> = ROUTE_TABLE,
): OpenApiDocument {
  const components = new Components();
  const paths: OpenApiDocument['paths'] = {};
  for (const [id, route] of Object.entries(routes)) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(id, route, components);
  }
  const webhooks = Object.fromEntries(WEBHOOK_EVENTS.map((event) => [event, webhook(event, components)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'batch-calls',
      version: '1',
      description:
        'Outbound calls to many recipients through an AI voice agent, in one request. ' +
        'Every error answers with the `Error` envelope; every answer carries `X-Request-ID`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ [BEARER]: [] }],
    paths,
    webhooks,
    components: {
      schemas: components.schemas(),
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description: "A workspace's API key: `Authorization: Bearer <key>`.",
        },
      },
      headers: {
        RequestId: {
          description: "The request's id (the client's own `X-Request-ID` echoed back when it sent one).",
          schema: { type: 'string' },
        },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
      },
    },
  };
}
