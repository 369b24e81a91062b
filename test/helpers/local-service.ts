import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client } from '#shared/adapters/aws-clients.ts';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import { ENV } from '#shared/config/env-names.ts';
import { API_KEY_CACHE_SECONDS } from '#shared/config/runtime-config.ts';
import type { Store } from '#shared/ports/store.ts';
import { openLocalStore } from '#infra/local/cli/data-dir-store.ts';
import { startDynamoDbLocal } from '#infra/local/emulators/dynamodb-local.ts';
import { startGateway, type GatewayOptions } from '#infra/local/gateway/gateway.ts';
import {
  createFunctionPool,
  type FunctionPool,
  type FunctionPoolOptions,
} from '#infra/local/functions/function-pool.ts';
import type { FunctionHandler } from '#infra/local/functions/invoke.ts';
import { startLocalAws, type LocalAws } from '#infra/local/local-aws.ts';
import {
  applyEnvironment,
  checkOverrides,
  LOCAL_CREDENTIALS,
  LOCAL_SDK_REGION,
  localFunctionEnvironment,
  localMaxCallSeconds,
  type LocalFunctionSettings,
} from '#infra/local/functions/local-env.ts';
import {
  startSimulatedNetwork,
  type SimulatedNetwork,
  type SimulatedNetworkOptions,
} from '#infra/local/network/simulated-network.ts';
import type { FunctionName, FunctionSpec, QueueName, QueueSpec } from '#infra/wiring.ts';

/**
 * The whole service for an integration test, as `npm start` runs it but in memory and on random
 * ports: DynamoDB Local with its stream, the SQS, S3 and Scheduler emulators, the real handlers behind
 * the local gateway and behind the local triggers (queue and stream pollers, the start schedules,
 * the sweeper), the simulated telephone network, and a workspace with a key.
 *
 * Each function runs in its own worker thread with exactly its environment (function-pool.ts); this
 * process's own environment is left alone. One service at a time per test file keeps the machine's
 * load sane (vitest gives each file its own worker).
 */

export interface LocalService {
  baseUrl: string;
  apiKey: string;
  workspaceId: string;
  store: Store;
  tableName: string;
  dynamodbEndpoint: string;
  /** The simulated telephone network: its calls and how many were live at once. */
  network: SimulatedNetwork;
  /** The emulators and triggers (local-aws.ts), e.g. `aws.scheduler.schedules()`. */
  aws: LocalAws;
  /** Queue URLs, for tests that look into or feed the queues. */
  queues: {
    dial: string;
    webhook: string;
    dialDeadLetter: string;
    webhookDeadLetter: string;
    schedulerDeadLetter: string;
    streamFailures: string;
  };
  /** The functions' workers, e.g. `functions.environmentOf('sweeper')`. */
  functions: FunctionPool;
  /** An SQS client for the emulator. */
  sqs: SQSClient;
  /** The transcripts bucket and a client for it. */
  s3: { bucket: string; client: S3Client };
  /** What the triggers reported (function failures, retries), newest last; quiet by default. */
  logs: string[];
  newWorkspace(name?: string): Promise<{ workspaceId: string; apiKey: string }>;
  stop(): Promise<void>;
}

export interface LocalServiceOptions {
  /**
   * Extra environment for the handlers (e.g. AUTH_CACHE_TTL_SECONDS: '0'), applied last — each
   * variable only to the functions that have it or may have it (local-env.ts).
   */
  env?: Record<string, string>;
  /** Wraps every function's handler (the bench counts invocations with it). */
  wrap?: FunctionPoolOptions['wrap'];
  /** Sees each function's stdout and stderr (the bench counts log bytes with it). */
  output?: FunctionPoolOptions['output'];
  /** Passed to the gateway, e.g. test handlers or shorter function timeouts. */
  gateway?: Pick<GatewayOptions, 'handlers' | 'functionSpecs' | 'staticDir'>;
  /** Length of a simulated call (SIM_CALL_MS); 200 ms unless given. */
  simCallMs?: number;
  /** More settings of the simulated network (faults such as duplicate callbacks). */
  network?: Omit<SimulatedNetworkOptions, 'callMs' | 'secret'>;
  /** How often the sweeper runs (the wiring's interval unless given). */
  sweeperIntervalMs?: number;
  /** Start the queue and stream pollers, the schedules and the sweeper (default true). */
  triggers?: boolean;
  /** Test handlers for the trigger functions; the others are the real modules. */
  handlers?: Partial<Record<FunctionName, FunctionHandler>>;
  /** Overrides of the trigger functions' settings (shorter timeouts). */
  functionSpecs?: Partial<Record<FunctionName, Partial<FunctionSpec>>>;
  /** Queue settings, e.g. a short visibility timeout. */
  queueOverrides?: Partial<Record<QueueName, Partial<QueueSpec>>>;
  /** First retry backoff of the scheduler and the stream poller. */
  retryBaseMs?: number;
  /** Also print what the triggers report (it is always kept in `logs`). */
  printLogs?: boolean;
}

const MAX_LOG_LINES = 1_000;
const DEFAULT_SIM_CALL_MS = 200;
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
  const logs: string[] = [];
  const log = (message: string) => {
    logs.push(message);
    if (logs.length > MAX_LOG_LINES) logs.shift();
    if (options.printLogs) console.error(message);
  };
  try {
    const dynamo = await startDynamoDbLocal();
    cleanups.push(() => dynamo.stop());
    const tableName = `batch-calls-test-${++started}`;
    const opened = await openLocalStore(dynamo.endpoint, tableName);
    cleanups.push(() => opened.close());
    const scratch = await mkdtemp(join(tmpdir(), 'batch-calls-service-'));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));

    // Stopped after the triggers (cleanups run in reverse), so a dial still running can reach it.
    const secret = randomBytes(32).toString('base64url');
    const network = await startSimulatedNetwork({
      ...options.network,
      callMs: options.simCallMs ?? DEFAULT_SIM_CALL_MS,
      secret,
      log: options.network?.log ?? log,
    });
    cleanups.push(() => network.close());

    // Filled in below, before any function starts (the pool starts a worker on first use).
    const known: { settings?: LocalFunctionSettings } = {};
    const functions = createFunctionPool({
      environmentOf: (name) => {
        if (!known.settings)
          throw new Error('The local functions were used before their settings were known');
        return localFunctionEnvironment(name, known.settings);
      },
      wrap: options.wrap,
      output: options.output,
      log,
    });
    cleanups.push(() => functions.stop());

    const aws = await startLocalAws({
      dynamodbEndpoint: dynamo.endpoint,
      tableName,
      handlers: options.handlers,
      functions,
      functionSpecs: options.functionSpecs,
      sweeperIntervalMs: options.sweeperIntervalMs,
      queueOverrides: options.queueOverrides,
      retryBaseMs: options.retryBaseMs,
      log,
    });
    cleanups.push(() => aws.stop());

    // The gateway binds a free port itself (no pick-then-release race with another instance); the
    // functions' settings name it before any function starts (in beforeHandlers, below).
    const settingsFor = (publicBaseUrl: string): LocalFunctionSettings => ({
      targets: {
        tableName,
        publicBaseUrl,
        ...aws.targets,
        authCacheTtlSeconds: API_KEY_CACHE_SECONDS,
      },
      // Through the authorizing proxies: each function may do what its grants allow, no more.
      endpoints: aws.functionEndpoints,
      secretsFile: join(scratch, 'secrets.json'),
      simulatedProvider: { url: network.url, secret },
      maxCallSeconds: localMaxCallSeconds(options.simCallMs ?? DEFAULT_SIM_CALL_MS),
      // Tests assert on answers, not on the functions' JSON logs.
      overrides: { [ENV.logLevel]: 'ERROR', ...options.env },
    });
    checkOverrides(settingsFor('http://127.0.0.1:0'));
    // This process is the operator (seeding, looking into queues and buckets): its own SDK clients
    // reach the emulators with the operator's credentials. The functions never see this.
    applyEnvironment({
      ...aws.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: LOCAL_SDK_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    const gateway = await startGateway({
      port: 0,
      ...options.gateway,
      functions,
      logError: log,
      beforeHandlers: ({ url }) => {
        known.settings = settingsFor(url);
      },
    });
    cleanups.push(() => gateway.close());
    if (options.triggers ?? true) await aws.startTriggers();

    const s3 = createS3Client({
      endpoint: aws.s3.endpoint,
      region: LOCAL_SDK_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    cleanups.push(() => s3.destroy());

    const { store } = opened;
    const newWorkspace = async (name = 'Test workspace') => {
      const created = await createWorkspaceWithKey(store, { name });
      return { workspaceId: created.workspace.id, apiKey: created.key.apiKey };
    };
    const first = await newWorkspace();
    const { queues } = aws.sqs;
    return {
      baseUrl: gateway.url,
      apiKey: first.apiKey,
      workspaceId: first.workspaceId,
      store,
      tableName,
      dynamodbEndpoint: dynamo.endpoint,
      network,
      aws,
      functions,
      queues: {
        dial: queues.dial.url,
        webhook: queues.webhook.url,
        dialDeadLetter: queues.dial.deadLetter.url,
        webhookDeadLetter: queues.webhook.deadLetter.url,
        schedulerDeadLetter: aws.sqs.schedulerDeadLetter.url,
        streamFailures: aws.sqs.streamFailures.url,
      },
      sqs: aws.sqs.client,
      s3: { bucket: aws.s3.bucket, client: s3 },
      logs,
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
