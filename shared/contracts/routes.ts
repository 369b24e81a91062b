import * as z from 'zod';
import { LIMITS } from '../domain/limits.ts';
import { PROVIDERS } from '../domain/phone-number.ts';
import { agentListResponseSchema, agentObjectSchema, createAgentSchema, updateAgentSchema } from './agent.ts';
import { batchListQuerySchema, createBatchFormSchema, createBatchJsonSchema } from './batch.ts';
import {
  batchDetailResponseSchema,
  batchListResponseSchema,
  batchObjectSchema,
  recipientWithHistorySchema,
} from './batch-objects.ts';
import { batchEditSchema } from './batch-edit.ts';
import { errorEnvelopeSchema, pageQuerySchema } from './common.ts';
import {
  createPhoneNumberSchema,
  phoneNumberListResponseSchema,
  phoneNumberObjectSchema,
} from './phone-number.ts';
import { preflightReportSchema } from './preflight.ts';
import { ROUTE_PATHS, type RouteId, type RoutePath } from './route-paths.ts';
import { conversationResponseSchema, deliveryListResponseSchema, deliveryObjectSchema } from './run.ts';
import {
  createSuppressionFormSchema,
  createSuppressionJsonSchema,
  suppressionImportResultSchema,
  suppressionListQuerySchema,
  suppressionListResponseSchema,
  suppressionObjectSchema,
} from './suppression.ts';
import { exportQuerySchema, recipientListResponseSchema, recipientQuerySchema } from './results.ts';
import { uploadTicketSchema } from './upload.ts';

/**
 * The route table: for every route of `route-paths.ts` (method, path, auth), its request schemas
 * (path parameters, query, body by media type) and its response schemas by status. The answers are
 * the very schemas `toBatchObject`, `toAgentObject`, … are typed by, so a handler cannot drift from
 * them without a type error, and the integration tests parse real answers with them
 * (test/helpers/http-client.ts). Kept plain zod (no transforms in answers): the OpenAPI document
 * (shared/contracts/openapi.ts) is generated from it with `z.toJSONSchema`. Importable without the
 * AWS SDK.
 */

/** An answer without a body (`204`). */
export const NO_CONTENT = null;

/**
 * An answer whose body is not JSON (a CSV export, an event stream): its media type, and a schema of
 * its text for the API description (a string unless given).
 */
export interface MediaResponse {
  /** One, or each a request may choose (an export's `format`). */
  readonly mediaTypes: readonly string[];
  readonly schema: z.ZodType;
}

export function mediaResponse(
  mediaType: string | readonly string[],
  schema: z.ZodType = z.string(),
): MediaResponse {
  return { mediaTypes: typeof mediaType === 'string' ? [mediaType] : mediaType, schema };
}

/** A JSON answer (its schema), a non-JSON one, or none. */
export type ResponseSchema = z.ZodType | MediaResponse | typeof NO_CONTENT;

export type ResponseSchemas = Readonly<Partial<Record<number, ResponseSchema>>>;

export interface RouteSchemas {
  readonly request: {
    readonly params?: z.ZodType;
    readonly query?: z.ZodType;
    /** Request headers the route reads (names in lower case), for the API description. */
    readonly headers?: z.ZodType;
    /**
     * Request bodies by kind; a route without one takes no body. `multipart` is the form's text
     * fields; `files` its file fields, by name, with their media type.
     */
    readonly body?: {
      readonly json?: z.ZodType;
      readonly multipart?: z.ZodType;
      readonly files?: Readonly<Record<string, string>>;
    };
  };
  readonly responses: ResponseSchemas;
}

export type RouteDefinition = RoutePath & RouteSchemas;

// Errors: every one is the contract's envelope. Which statuses a route can answer, from the errors its
// handler, the request-body readers and the use case throw (shared/domain/errors.ts).
type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 429 | 500;
function errors<S extends ErrorStatus>(
  ...statuses: S[]
): Record<S | 401 | 429 | 500, typeof errorEnvelopeSchema> {
  const out = {} as Record<S | 401 | 429 | 500, typeof errorEnvelopeSchema>;
  for (const status of [...statuses, 401, 429, 500] as const) out[status] = errorEnvelopeSchema;
  return out;
}
/** What reading a JSON body can answer: malformed (400), too large (413), not JSON (415). */
const JSON_BODY_ERRORS = [400, 413, 415] as const;

const idParams = z.strictObject({ id: z.string() });

/** The OpenAPI 3.1 document's outline (its parts are the standard's; a validator checks the rest). */
const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
const batchRecipientParams = z.strictObject({ id: z.string(), recipientId: z.string() });
/** A multipart request's CSV file field (contract: at most 5 MB). */
const CSV_FILE = { csv_file: 'text/csv' } as const;
/** Replays the first answer for 24 h (shared/http/idempotency.ts). */
const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(LIMITS.idempotencyKeyMaxLength).optional(),
});

const SCHEMAS = {
  // Phone numbers
  createPhoneNumber: {
    request: { body: { json: createPhoneNumberSchema } },
    responses: { 201: phoneNumberObjectSchema, ...errors(...JSON_BODY_ERRORS) },
  },
  listPhoneNumbers: {
    request: { query: pageQuerySchema },
    responses: { 200: phoneNumberListResponseSchema, ...errors(400) },
  },
  getPhoneNumber: {
    request: { params: idParams },
    responses: { 200: phoneNumberObjectSchema, ...errors(404) },
  },
  deletePhoneNumber: {
    request: { params: idParams },
    responses: { 204: NO_CONTENT, ...errors(404) },
  },

  // Agents
  createAgent: {
    request: { body: { json: createAgentSchema } },
    // 404: the bound phone number does not exist.
    responses: { 201: agentObjectSchema, ...errors(...JSON_BODY_ERRORS, 404) },
  },
  listAgents: {
    request: { query: pageQuerySchema },
    responses: { 200: agentListResponseSchema, ...errors(400) },
  },
  getAgent: {
    request: { params: idParams },
    responses: { 200: agentObjectSchema, ...errors(404) },
  },
  updateAgent: {
    request: { params: idParams, body: { json: updateAgentSchema } },
    // 409: changed or deleted meanwhile.
    responses: { 200: agentObjectSchema, ...errors(...JSON_BODY_ERRORS, 404, 409) },
  },
  deleteAgent: {
    request: { params: idParams },
    responses: { 204: NO_CONTENT, ...errors(404) },
  },
  rotateWebhookSecret: {
    request: { params: idParams },
    // 400: the agent has no webhook URL; 409: changed meanwhile.
    responses: { 200: agentObjectSchema, ...errors(400, 404, 409) },
  },

  // Batch calls
  createUpload: {
    request: {},
    responses: { 201: uploadTicketSchema, ...errors() },
  },
  createBatch: {
    request: {
      headers: idempotencyHeaders,
      body: { json: createBatchJsonSchema, multipart: createBatchFormSchema, files: CSV_FILE },
    },
    // 404: agent or phone number; 409: Idempotency-Key conflict.
    responses: { 202: batchObjectSchema, ...errors(...JSON_BODY_ERRORS, 404, 409) },
  },
  preflightBatch: {
    request: { body: { json: createBatchJsonSchema, multipart: createBatchFormSchema } },
    // 200 even when create would refuse (`valid: false`); 404: agent or phone number, as create.
    responses: { 200: preflightReportSchema, ...errors(...JSON_BODY_ERRORS, 404) },
  },
  listBatches: {
    request: { query: batchListQuerySchema },
    responses: { 200: batchListResponseSchema, ...errors(400) },
  },
  getBatch: {
    request: { params: idParams },
    responses: { 200: batchDetailResponseSchema, ...errors(404) },
  },
  cancelBatch: {
    request: { params: idParams },
    // 409: batch_not_cancellable.
    responses: { 200: batchObjectSchema, ...errors(404, 409) },
  },
  editBatch: {
    request: { params: idParams, body: { json: batchEditSchema } },
    // 409: batch_not_editable (only a paused batch can change).
    responses: { 200: batchObjectSchema, ...errors(...JSON_BODY_ERRORS, 404, 409) },
  },
  pauseBatch: {
    request: { params: idParams },
    // 409: batch_not_pausable.
    responses: { 200: batchObjectSchema, ...errors(404, 409) },
  },
  resumeBatch: {
    request: { params: idParams },
    // 409: batch_not_resumable.
    responses: { 200: batchObjectSchema, ...errors(404, 409) },
  },
  stopBatch: {
    request: { params: idParams },
    // 409: batch_not_stoppable.
    responses: { 200: batchObjectSchema, ...errors(404, 409) },
  },
  listRecipients: {
    request: { params: idParams, query: recipientQuerySchema },
    // 400: a bad filter or a cursor of another batch.
    responses: { 200: recipientListResponseSchema, ...errors(400, 404) },
  },
  exportBatch: {
    request: { params: idParams, query: exportQuerySchema },
    // 200: the file inline (CSV or JSONL); 303: a large export, `Location` its pre-signed download.
    responses: {
      200: mediaResponse(['text/csv', 'application/x-ndjson']),
      303: NO_CONTENT,
      ...errors(400, 404),
    },
  },
  getRecipient: {
    request: { params: batchRecipientParams },
    responses: { 200: recipientWithHistorySchema, ...errors(404) },
  },
  getConversation: {
    request: { params: batchRecipientParams },
    responses: { 200: conversationResponseSchema, ...errors(404) },
  },
  listWebhookDeliveries: {
    request: { params: idParams },
    responses: { 200: deliveryListResponseSchema, ...errors(404) },
  },
  batchEvents: {
    request: { params: idParams },
    // 200: `text/event-stream`, the events of the contract's "Live progress" (not JSON).
    responses: { 200: mediaResponse('text/event-stream'), ...errors(404) },
  },
  redeliverWebhook: {
    request: { params: idParams },
    responses: { 202: deliveryObjectSchema, ...errors(404) },
  },

  // Suppression list
  createSuppression: {
    request: {
      body: { json: createSuppressionJsonSchema, multipart: createSuppressionFormSchema, files: CSV_FILE },
    },
    // 201: a new entry (JSON); 200: the phone's existing entry (JSON), or a CSV import's outcome.
    responses: {
      201: suppressionObjectSchema,
      200: z.union([suppressionObjectSchema, suppressionImportResultSchema]),
      ...errors(...JSON_BODY_ERRORS),
    },
  },
  listSuppressions: {
    request: { query: suppressionListQuerySchema },
    responses: { 200: suppressionListResponseSchema, ...errors(400) },
  },
  getSuppression: {
    request: { params: idParams },
    responses: { 200: suppressionObjectSchema, ...errors(404) },
  },
  deleteSuppression: {
    request: { params: idParams },
    responses: { 204: NO_CONTENT, ...errors(404) },
  },

  // Telephony providers. The body is the provider's own (JSON or a form), read by its adapter.
  providerEvents: {
    request: { params: z.strictObject({ provider: z.enum(PROVIDERS) }) },
    responses: {
      200: z.strictObject({
        received: z.number().int(),
        results: z.array(z.enum(['recorded', 'duplicate', 'unknown_call'])),
      }),
      // 400: a callback that cannot be read; 401: a bad signature; 404: no such provider.
      ...errors(400, 404),
    },
  },

  // The API description (shared/contracts/openapi.ts). Open: no API key, so no 401.
  getOpenApi: {
    request: {},
    responses: { 200: openApiDocumentSchema, 500: errorEnvelopeSchema },
  },
} as const satisfies Record<RouteId, RouteSchemas>;

type Table = { readonly [Id in RouteId]: (typeof ROUTE_PATHS)[Id] & (typeof SCHEMAS)[Id] };

/** The route table: path, method, auth, request and response schemas of every route, by id. */
export const ROUTE_TABLE: Table = Object.fromEntries(
  (Object.keys(ROUTE_PATHS) as RouteId[]).map((id) => [id, { ...ROUTE_PATHS[id], ...SCHEMAS[id] }]),
) as Table;

type Responses<Id extends RouteId> = (typeof SCHEMAS)[Id]['responses'];

/** The statuses a route answers with. */
export type ResponseStatus<Id extends RouteId> = keyof Responses<Id> & number;

/** The 2xx statuses of a route. */
export type SuccessStatus<Id extends RouteId> = Extract<ResponseStatus<Id>, 200 | 201 | 202 | 204>;

/** The body of a route's answer with `status` (`void` for a `204`). */
export type ResponseBody<
  Id extends RouteId,
  S extends ResponseStatus<Id> = SuccessStatus<Id>,
> = Responses<Id>[S] extends z.ZodType
  ? z.output<Responses<Id>[S]>
  : Responses<Id>[S] extends MediaResponse
    ? string
    : void;

export { ROUTE_PATHS, type RouteId } from './route-paths.ts';

type Request<Id extends RouteId> = (typeof SCHEMAS)[Id]['request'];

/**
 * A route's query parameters as a client sends them: the names its query schema reads, each a
 * value the schema accepts (or a number, written out in the URL). `never` for a route without one.
 */
export type RequestQuery<Id extends RouteId> =
  Request<Id> extends { query: infer Q extends z.ZodType }
    ? { [K in keyof z.input<Q>]?: z.input<Q>[K] | number }
    : never;

/** A route's JSON body as its schema accepts it; `never` for a route that takes none. */
export type RequestJson<Id extends RouteId> =
  Request<Id> extends { body: { json: infer B extends z.ZodType } } ? z.input<B> : never;

/** Whether a route takes a multipart form (`true`) or not. */
export type AcceptsMultipart<Id extends RouteId> =
  Request<Id> extends { body: { multipart: z.ZodType } } ? true : false;
