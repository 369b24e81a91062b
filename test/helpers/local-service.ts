import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import type { Store } from '#shared/ports/store.ts';
import { openLocalStore } from '#infra/local/data-dir-store.ts';
import { startDynamoDbLocal, freePort } from '#infra/local/dynamodb-local.ts';
import { startGateway, type GatewayOptions } from '#infra/local/gateway.ts';
import { applyEnvironment, localEnvironment } from '#infra/local/local-env.ts';

/**
 * The whole HTTP service for an integration test: DynamoDB Local in memory, the real handlers behind
 * the local gateway, and a workspace with a key. Everything listens on random ports.
 *
 * Handlers read process.env when their module loads, and process.env is per process: run one service
 * at a time per test file (vitest gives each file its own worker). A later service in the same file
 * imports fresh handler modules, so it sees its own environment.
 */

export interface LocalService {
  baseUrl: string;
  apiKey: string;
  workspaceId: string;
  store: Store;
  tableName: string;
  dynamodbEndpoint: string;
  newWorkspace(name?: string): Promise<{ workspaceId: string; apiKey: string }>;
  stop(): Promise<void>;
}

export interface LocalServiceOptions {
  /** Extra environment for the handlers (e.g. AUTH_CACHE_TTL_SECONDS: '0'), applied last. */
  env?: Record<string, string>;
  /** Passed to the gateway, e.g. test handlers or shorter function timeouts. */
  gateway?: Pick<GatewayOptions, 'handlers' | 'functionSpecs' | 'staticDir'>;
}

let running = false;
let started = 0;

export async function startLocalService(options: LocalServiceOptions = {}): Promise<LocalService> {
  if (running) throw new Error('A local service is already running in this process; stop it first');
  running = true;
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
    running = false;
  };
  try {
    const dynamo = await startDynamoDbLocal();
    cleanups.push(() => dynamo.stop());
    const tableName = `batch-calls-test-${++started}`;
    const opened = await openLocalStore(dynamo.endpoint, tableName);
    cleanups.push(() => opened.close());
    const scratch = await mkdtemp(join(tmpdir(), 'batch-calls-service-'));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));

    const port = await freePort();
    applyEnvironment({
      ...localEnvironment({
        tableName,
        dynamodbEndpoint: dynamo.endpoint,
        publicBaseUrl: `http://127.0.0.1:${port}`,
        secretsFile: join(scratch, 'secrets.json'),
      }),
      // Tests assert on answers, not on the functions' JSON logs.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ...options.env,
    });
    const gateway = await startGateway({
      port,
      ...options.gateway,
      freshModules: started > 1,
      logError: () => undefined,
    });
    cleanups.push(() => gateway.close());

    const { store } = opened;
    const newWorkspace = async (name = 'Test workspace') => {
      const created = await createWorkspaceWithKey(store, { name });
      return { workspaceId: created.workspace.id, apiKey: created.key.apiKey };
    };
    const first = await newWorkspace();
    return {
      baseUrl: gateway.url,
      apiKey: first.apiKey,
      workspaceId: first.workspaceId,
      store,
      tableName,
      dynamodbEndpoint: dynamo.endpoint,
      newWorkspace,
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body; null when it is empty or not JSON. */
  json: T;
  text: string;
}

export interface ApiRequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (multipart, CSV, malformed JSON…). */
  rawBody?: string | Uint8Array | FormData;
  headers?: Record<string, string>;
}

/** A tiny fetch helper bound to one service and key (pass null for no Authorization header). */
export function api(baseUrl: string, apiKey: string | null) {
  async function request<T = unknown>(
    method: string,
    path: string,
    options: ApiRequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (apiKey !== null) headers.authorization ??= `Bearer ${apiKey}`;
    let body: string | Uint8Array | FormData | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const json = parseJson(text);
    return { status: response.status, headers: response.headers, json: json as T, text };
  }
  return {
    request,
    get: <T = unknown>(path: string, options?: ApiRequestOptions) => request<T>('GET', path, options),
    post: <T = unknown>(path: string, body?: unknown, options?: ApiRequestOptions) =>
      request<T>('POST', path, { ...options, body }),
    patch: <T = unknown>(path: string, body?: unknown, options?: ApiRequestOptions) =>
      request<T>('PATCH', path, { ...options, body }),
    delete: <T = unknown>(path: string, options?: ApiRequestOptions) => request<T>('DELETE', path, options),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
