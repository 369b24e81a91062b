import { Worker } from 'node:worker_threads';

/**
 * HTTP proxies in front of the local AWS endpoints that count the requests going through them, by
 * operation. The functions are pointed at them through their AWS_ENDPOINT_URL_* variables, so exactly
 * their requests are counted — not those of the local pollers (which stand in for Lambda's event
 * source mappings) nor the benchmark's own. The DynamoDB proxy also asks for ReturnConsumedCapacity
 * and adds up the capacity units DynamoDB Local reports, which is what on-demand bills.
 *
 * The proxies run in one worker thread (counting-proxy-worker.mjs): parsing, rewriting and
 * forwarding every request costs CPU, and on the service's own event loop that cost would slow the
 * system being measured. This thread only hands out the URLs and asks for the counts. (The worker
 * still belongs to this process: process.cpuUsage() includes its CPU.)
 *
 * The reads are asynchronous (a message to the worker and its answer) rather than synchronous over a
 * SharedArrayBuffer: the counts are keyed by operation names only known when a request arrives, which
 * a fixed shared layout cannot hold without a table of every operation, and the bench reads them a
 * few times per run, where a message round trip costs nothing that matters. A read made after a
 * request's answer arrived includes that request: the worker counts before it answers.
 */

export type CountedService = 'dynamodb' | 's3' | 'scheduler' | 'sqs';

export interface CountingProxy {
  readonly service: CountedService;
  readonly url: string;
  /** Where requests go; requests arriving before it is set wait for it. Throws on a bad URL. */
  setTarget(url: string): void;
  /** Requests by operation since the last reset. */
  counts(): Promise<Record<string, number>>;
  /** DynamoDB only (empty for the others): requests by operation and the item types they touch. */
  details(): Promise<Record<string, number>>;
  /** DynamoDB only: capacity units consumed by the same details. */
  detailUnits(): Promise<Record<string, number>>;
  /**
   * DynamoDB only (empty for the others): write actions that change GSI1, by index partition
   * (`ACTIVE`, `HOOKDUE`, `CREATING`): what the capacity model's index partition rates come from.
   */
  indexWrites(): Promise<Record<string, number>>;
  total(): Promise<number>;
  /** DynamoDB only (0 for the others): capacity units consumed since the last reset. */
  capacity(): Promise<{ readUnits: number; writeUnits: number }>;
  reset(): Promise<void>;
}

export interface CountingProxies<S extends CountedService = CountedService> {
  proxies: Record<S, CountingProxy>;
  /** Stops every proxy and the worker thread hosting them. */
  close(): Promise<void>;
}

// The messages exchanged with counting-proxy-worker.mjs, which is plain JavaScript: keep in step.
interface ProxySnapshot {
  counts: Record<string, number>;
  details: Record<string, number>;
  detailUnits: Record<string, number>;
  indexWrites: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}
interface ProxyWorkerData {
  services: CountedService[];
}
/** To the worker. `setTarget` has no answer; the others are answered under their `id`. */
type ProxyWorkerRequest =
  | { type: 'setTarget'; service: CountedService; url: string }
  | { type: 'snapshot'; id: number; service: CountedService }
  | { type: 'reset'; id: number; service: CountedService }
  | { type: 'close'; id: number };
/** From the worker: first `started` (or `failed`), then one answer per request with an id. */
type ProxyWorkerMessage =
  | { type: 'started'; urls: Record<string, string> }
  | { type: 'failed'; error: string }
  | { type: 'answer'; id: number; snapshot?: ProxySnapshot }
  | { type: 'error'; id: number; error: string };
type Answer = Extract<ProxyWorkerMessage, { type: 'answer' }>;

interface Pending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

/**
 * JavaScript, so that no loader is needed: Node 20 applies no ESM loader (tsx) given in a worker's
 * execArgv (nodejs/node#47747), and vitest's transforms do not reach worker threads.
 */
const WORKER_URL = new URL('./counting-proxy-worker.mjs', import.meta.url);

export async function startCountingProxies<S extends CountedService>(
  services: readonly S[],
): Promise<CountingProxies<S>> {
  if (services.length === 0) throw new Error('startCountingProxies: services must not be empty');
  const data: ProxyWorkerData = { services: [...services] };
  // None of the parent's execArgv: under tsx it names tsx's loaders, which the worker does not need.
  const worker = new Worker(WORKER_URL, { workerData: data, execArgv: [] });

  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | null = null;
  let onStarted: ((urls: Record<string, string>) => void) | undefined;
  let onFailed: ((error: Error) => void) | undefined;
  const started = new Promise<Record<string, string>>((resolve, reject) => {
    onStarted = resolve;
    onFailed = reject;
  });

  const fail = (error: Error) => {
    failure ??= error;
    onFailed?.(failure);
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.on('message', (message: ProxyWorkerMessage) => {
    switch (message.type) {
      case 'started':
        onStarted?.(message.urls);
        return;
      case 'failed':
        fail(new Error(`the counting proxies did not start: ${message.error}`));
        return;
      case 'answer':
      case 'error': {
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'answer') waiting?.resolve(message);
        else waiting?.reject(new Error(`counting proxy: ${message.error}`));
        return;
      }
    }
  });
  worker.on('error', (error) => fail(new Error(`the counting-proxy worker failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`the counting-proxy worker has exited (code ${code})`)));

  const ask = (request: Exclude<ProxyWorkerRequest, { type: 'setTarget' }>) =>
    new Promise<Answer>((resolve, reject) => {
      if (failure) return reject(failure);
      pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });
  const snapshot = async (service: S): Promise<ProxySnapshot> => {
    const answer = await ask({ type: 'snapshot', id: nextId++, service });
    if (!answer.snapshot) throw new Error(`counting proxy: no snapshot for ${service}`);
    return answer.snapshot;
  };

  let urls: Record<string, string>;
  try {
    urls = await started;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const handle = (service: S): CountingProxy => {
    const url = urls[service];
    if (!url) throw new Error(`the counting-proxy worker started no proxy for ${service}`);
    return {
      service,
      url,
      setTarget(target) {
        // Checked here, where a bad URL can still be reported to the caller.
        const request: ProxyWorkerRequest = { type: 'setTarget', service, url: new URL(target).href };
        worker.postMessage(request);
      },
      counts: async () => (await snapshot(service)).counts,
      details: async () => (await snapshot(service)).details,
      detailUnits: async () => (await snapshot(service)).detailUnits,
      indexWrites: async () => (await snapshot(service)).indexWrites,
      total: async () => Object.values((await snapshot(service)).counts).reduce((a, b) => a + b, 0),
      capacity: async () => {
        const { readUnits, writeUnits } = await snapshot(service);
        return { readUnits, writeUnits };
      },
      reset: async () => {
        await ask({ type: 'reset', id: nextId++, service });
      },
    };
  };

  return {
    proxies: Object.fromEntries(services.map((service) => [service, handle(service)])) as Record<
      S,
      CountingProxy
    >,
    async close() {
      // Closing the servers first ends their connections cleanly; terminate() is the backstop.
      if (!failure) await ask({ type: 'close', id: nextId++ }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
