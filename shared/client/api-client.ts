import type { ErrorEnvelope } from '../contracts/common.ts';
import { pathOf, ROUTE_PATHS, type PathParams, type RouteId } from '../contracts/route-paths.ts';
import type {
  AcceptsMultipart,
  RequestJson,
  RequestQuery,
  ResponseBody,
  ResponseStatus,
} from '../contracts/routes.ts';
import { ApiError } from './api-error.ts';
import { fetchTransport, type Transport, type TransportResponse } from './transport.ts';

/**
 * The typed TypeScript client of the API, written over the route table: `call('getBatch', {params:
 * {id}})` takes the route's path parameters, query and body as its schemas accept them and answers
 * with the type of its success body; any other answer is an `ApiError` carrying the error envelope.
 * Only methods and paths are imported (route-paths.ts); the schemas are used as types alone, so a
 * bundle that uses the client carries no schema and no zod. The dashboard (web/src/api/client.ts)
 * and the integration tests (test/helpers/http-client.ts) use it. Answers are not re-validated: a
 * client stricter than the contract would break on a harmless new field.
 */

export interface ClientOptions {
  /** Where `/v1` lives, e.g. `http://127.0.0.1:3000`; empty for a page on the service's own origin. */
  baseUrl: string;
  /** A workspace's API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  transport?: Transport;
  /** Called on any 401 (an app asks for a key again). */
  onUnauthorized?: () => void;
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** What one route's request may carry, by what its schemas take. */
export type CallOptions<Id extends RouteId> = {
  query?: RequestQuery<Id>;
  json?: RequestJson<Id>;
  form?: AcceptsMultipart<Id> extends true ? FormData : never;
  /** Replays the first answer for 24 h on a retry (the routes that read `Idempotency-Key`). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Aborts the request (e.g. a newer one replaced it); the call then rejects. */
  signal?: AbortSignal;
} & (keyof PathParams<Id> extends never ? { params?: PathParams<Id> } : { params: PathParams<Id> });

/** The options argument: required only when the route's path has parameters. */
type CallArgs<Id extends RouteId> = keyof PathParams<Id> extends never
  ? [options?: CallOptions<Id>]
  : [options: CallOptions<Id>];

/** An answer with the status the route table declares for it, and its body's type for that status. */
export type ApiAnswer<Id extends RouteId> = {
  [S in ResponseStatus<Id>]: AnswerBase & { status: S; body: ResponseBody<Id, S> };
}[ResponseStatus<Id>];

interface AnswerBase {
  headers: TransportResponse['headers'];
  text: string;
}

/** Any answer of `request()`: its status, headers, text, and its body (parsed when it is JSON). */
export interface RawAnswer extends AnswerBase {
  status: number;
  body: unknown;
}

export interface RawRequest {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as it is (a form, CSV text, malformed JSON…). */
  body?: string | Uint8Array | Blob | FormData;
  headers?: Record<string, string>;
  /** Another key for this request, or null for none. */
  apiKey?: string | null;
  signal?: AbortSignal;
}

function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}

/**
 * An answer's body: parsed JSON, or the text itself for another media type (a CSV export, an event
 * stream: what the route table's `mediaResponse` routes answer, typed `string`).
 */
function bodyOf(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  const json = contentType === null || /^application\/([\w.-]+\+)?json\b/i.test(contentType);
  if (!json) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON after all: the caller reads `text`
  }
}

export class BatchCallsClient {
  private readonly transport: Transport;

  constructor(private readonly options: ClientOptions) {
    this.transport = options.transport ?? fetchTransport();
  }

  /** One route: its success body, typed by the route table; anything else throws an `ApiError`. */
  async call<Id extends RouteId>(id: Id, ...[options]: CallArgs<Id>): Promise<ResponseBody<Id>> {
    const answer = await this.send(id, ...([options] as CallArgs<Id>));
    if (answer.status >= 200 && answer.status < 300) return answer.body as ResponseBody<Id>;
    throw this.errorOf(answer);
  }

  /** One route, whatever it answers: the status and the body typed for that status (no throw). */
  async send<Id extends RouteId>(id: Id, ...[options]: CallArgs<Id>): Promise<ApiAnswer<Id>> {
    const o = (options ?? {}) as CallOptions<Id> & { params?: Record<string, string> };
    const headers: Record<string, string> = { ...o.headers };
    if (o.idempotencyKey !== undefined) headers['idempotency-key'] = o.idempotencyKey;
    const path = pathOf(id, (o.params ?? {}) as PathParams<Id>);
    const answer = await this.request(ROUTE_PATHS[id].method, path, {
      query: o.query as Query | undefined,
      json: o.json,
      body: o.form,
      headers,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return answer as ApiAnswer<Id>;
  }

  /** Any method and path of the service (tests send what no typed call can: bad bodies, no key). */
  async request(method: string, path: string, request: RawRequest = {}): Promise<RawAnswer> {
    const headers: Record<string, string> = { ...request.headers };
    const key = request.apiKey === undefined ? this.options.apiKey : request.apiKey;
    if (key !== undefined && key !== null && !('authorization' in headers)) {
      headers.authorization = `Bearer ${key}`;
    }
    let body = request.body;
    if (body === undefined && request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
    }
    const search = query.size > 0 ? `${path.includes('?') ? '&' : '?'}${query.toString()}` : '';
    // A transport's own failure (fetchTransport: no answer at all) goes to the caller as it is.
    const response = await this.transport({
      method,
      url: `${this.options.baseUrl.replace(/\/+$/, '')}${path}${search}`,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (response.status === 401) this.options.onUnauthorized?.();
    const answer = bodyOf(response.text, response.headers.get('content-type'));
    return { status: response.status, headers: response.headers, text: response.text, body: answer };
  }

  private errorOf(answer: RawAnswer): ApiError {
    const retryAfter = answer.headers.get('retry-after');
    const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
    const requestId = answer.headers.get('x-request-id');
    if (isErrorEnvelope(answer.body)) {
      const { error, request_id } = answer.body;
      return new ApiError(
        answer.status,
        error.code,
        error.message,
        error.fields ?? [],
        request_id,
        retryAfterSeconds,
      );
    }
    return new ApiError(
      answer.status,
      'http_error',
      `The service answered ${answer.status}.`,
      [],
      requestId,
      retryAfterSeconds,
    );
  }
}
