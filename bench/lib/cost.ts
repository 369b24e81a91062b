import { FUNCTIONS, ROUTES, type FunctionName } from '#infra/wiring.ts';
import type { BenchService } from './bench-service.ts';
import { PRICES } from './prices.ts';

/**
 * What a run cost in AWS requests, per recipient and in dollars per 1,000 calls. Counted: the
 * functions' own requests (proxies), their invocations and durations, the log bytes they write at the
 * deployed level and their Secrets Manager calls. Modelled: Lambda's SQS event source makes one
 * ReceiveMessage and one DeleteMessageBatch per batch of messages it delivers; Lambda's own platform
 * log lines per invocation (PLATFORM_LOG_BYTES). Left out: the event source's idle long polling and
 * the table stream's reads (free).
 */

/** Issue 16's targets, printed next to the figures. */
export const COST_TARGETS = {
  dynamodbPerRecipient: { simulated: 8, twilio: 10 } as Record<string, number>,
  sqsPerRecipient: 3,
  usdPer1000Calls: 0.02,
} as const;

/**
 * The bytes Lambda itself writes per invocation to the function's log group, which the bench cannot
 * see locally. The stack sets `loggingFormat: JSON` and active tracing (service-function.ts), so each
 * invocation adds two system events in the JSON shape of Lambda's docs ("JSON format for system
 * logs"): `platform.start` and `platform.report` (with its `tracing` object); these are those two
 * events with typical values, measured rather than guessed. Plain-text START/END/REPORT lines would
 * be ~260 bytes. Cold starts add platform.initStart/initReport once per container (left out).
 */
const PLATFORM_EVENTS = [
  '{"time":"2026-05-05T14:00:30.123Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}',
  '{"time":"2026-05-05T14:00:30.456Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":12.345,"billedDurationMs":13,"memorySizeMB":512,"maxMemoryUsedMB":85},"tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"},"status":"success"}}',
];
/**
 * CloudWatch Logs counts 26 bytes per event on top of its message when it sizes a PutLogEvents
 * batch; whether ingestion bills them is not stated, so they are added (the estimate errs high).
 */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
export const PLATFORM_LOG_BYTES = PLATFORM_EVENTS.reduce(
  (sum, event) => sum + Buffer.byteLength(event) + LOG_EVENT_OVERHEAD_BYTES,
  0,
);

/** functions/lib/compose.ts: how long a container keeps a secret it read. */
const SECRET_CACHE_TTL_MINUTES = 5;

export interface CostBreakdown {
  requestsPerRecipient: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  /** DynamoDB requests per recipient by operation and item type (what each step of the path costs). */
  dynamodbPerRecipient: Record<string, string>;
  lambda: { invocations: Record<string, number>; gbSeconds: number };
  dynamo: { readUnits: number; writeUnits: number };
  /** Log bytes per recipient: what the functions wrote (by function) and Lambda's own lines. */
  logBytesPerRecipient: { functions: Record<string, number>; platform: number; total: number };
  /** Secrets Manager calls: counted per recipient, and the per-container model at scale. */
  secrets: { calls: Record<string, number>; perRecipient: number; atScale: string };
  usdPer1000Calls: Record<string, number> & { total: number };
}

export async function costOf(bench: BenchService, recipients: number): Promise<CostBreakdown> {
  const invocations = bench.invocations();
  const counts = Object.fromEntries(
    await Promise.all(
      Object.entries(bench.proxies).map(async ([service, proxy]) => [service, await proxy.counts()] as const),
    ),
  ) as Record<string, Record<string, number>>;
  const sum = (service: string) => Object.values(counts[service] ?? {}).reduce((a, b) => a + b, 0);
  const queueInvocations = invocations.dial.count + invocations.deliverWebhook.count;
  const eventSourceSqs = 2 * queueInvocations;
  const lambdaRequests = Object.values(invocations).reduce((a, s) => a + s.count, 0);
  const gbSeconds = (Object.keys(invocations) as FunctionName[]).reduce(
    (a, name) => a + (invocations[name].totalMs / 1000) * (FUNCTIONS[name].memoryMb / 1024),
    0,
  );
  // Every invocation of a function behind the HTTP API is one API Gateway request (callbacks included).
  const apiRequests = httpApiFunctions().reduce((a, name) => a + invocations[name].count, 0);
  const { readUnits, writeUnits } = await bench.proxies.dynamodb.capacity();
  const s3 = counts.s3 ?? {};
  const puts = s3.PutObject ?? 0;
  const gets = s3.GetObject ?? 0;
  const schedules = counts.scheduler?.CreateSchedule ?? 0;

  const logs = bench.logs();
  const functionLogBytes = Object.fromEntries(
    Object.entries(logs).map(([name, l]) => [name, l.bytes + l.events * LOG_EVENT_OVERHEAD_BYTES]),
  );
  const appLogBytes = Object.values(functionLogBytes).reduce((a, b) => a + b, 0);
  const platformLogBytes = lambdaRequests * PLATFORM_LOG_BYTES;
  const secretCalls = bench.secretCalls();
  const secretCallCount = Object.values(secretCalls).reduce((a, b) => a + b, 0);

  const scale = 1000 / recipients;
  const usd = {
    lambda: (lambdaRequests * PRICES.lambdaPerRequest + gbSeconds * PRICES.lambdaPerGbSecond) * scale,
    dynamodb: (writeUnits * PRICES.dynamoPerWriteUnit + readUnits * PRICES.dynamoPerReadUnit) * scale,
    sqs: (sum('sqs') + eventSourceSqs) * PRICES.sqsPerRequest * scale,
    apiGateway: apiRequests * PRICES.apiGatewayHttpPerRequest * scale,
    s3: (puts * PRICES.s3PerPut + gets * PRICES.s3PerGet) * scale,
    scheduler: schedules * PRICES.schedulerPerInvocation * scale,
    secretsManager: secretCallCount * PRICES.secretsManagerPerApiCall * scale,
    cloudWatchLogs: ((appLogBytes + platformLogBytes) / 2 ** 30) * PRICES.cloudWatchLogsPerGbIngested * scale,
  };
  const per = (n: number) => n / recipients;
  return {
    requestsPerRecipient: {
      dynamodb: per(sum('dynamodb')),
      sqs: per(sum('sqs') + eventSourceSqs),
      s3: per(sum('s3')),
      scheduler: per(sum('scheduler')),
      lambdaInvocations: per(lambdaRequests),
      apiGateway: per(apiRequests),
      secretsManager: per(secretCallCount),
    },
    dynamodbPerRecipient: await perRecipientDetails(bench, recipients),
    byOperation: {
      ...counts,
      sqsEventSource: { ReceiveMessage: queueInvocations, DeleteMessageBatch: queueInvocations },
      secretsManager: secretCalls,
    },
    lambda: {
      invocations: Object.fromEntries(Object.entries(invocations).map(([name, s]) => [name, s.count])),
      gbSeconds,
    },
    dynamo: { readUnits, writeUnits },
    logBytesPerRecipient: {
      functions: Object.fromEntries(
        Object.entries(functionLogBytes)
          .filter(([, bytes]) => bytes > 0)
          .map(([name, bytes]) => [name, Math.round(per(bytes))]),
      ),
      platform: Math.round(per(platformLogBytes)),
      total: Math.round(per(appLogBytes + platformLogBytes)),
    },
    secrets: {
      calls: secretCalls,
      perRecipient: per(secretCallCount),
      atScale: secretsAtScale(secretCalls.GetSecretValue ?? 0),
    },
    usdPer1000Calls: { ...usd, total: Object.values(usd).reduce((a, b) => a + b, 0) },
  };
}

/**
 * Secrets Manager reads are per container, not per call: a container reads a number's credentials
 * once and keeps them SECRET_CACHE_TTL_MINUTES. A run this short reads each secret about once per
 * container that needs it, so its per-recipient figure shrinks with the batch. At scale the reads are
 * (warm containers that dial or verify callbacks) × (numbers they use) × (60 / TTL) per hour; the
 * example shows what that is per call for a steady 10 calls/s from one number on 20 warm containers.
 */
function secretsAtScale(measuredReads: number): string {
  const perHour = 60 / SECRET_CACHE_TTL_MINUTES;
  const containers = 20;
  const callsPerHour = 10 * 3600;
  const perCall = (containers * perHour) / callsPerHour;
  return `${measuredReads} reads this run (≈ one per container per secret); at scale ≤ ${perHour} per warm container per number per hour: 20 containers, 1 number, 10 calls/s → ${perCall.toFixed(4)} per call ($${((perCall * 1000 * PRICES.secretsManagerPerApiCall) as number).toFixed(6)} per 1,000 calls)`;
}

/** DynamoDB requests and capacity units per recipient, by operation and item type, most first. */
async function perRecipientDetails(bench: BenchService, recipients: number): Promise<Record<string, string>> {
  const units = await bench.proxies.dynamodb.detailUnits();
  const round = (n: number) => Math.round((n / recipients) * 100) / 100;
  return Object.fromEntries(
    Object.entries(await bench.proxies.dynamodb.details())
      .sort(([, a], [, b]) => b - a)
      .map(([detail, n]) => [detail, `${round(n)} requests, ${round(units[detail] ?? 0)} units`]),
  );
}

/** The functions behind the HTTP API: each of their invocations is one API Gateway request. */
export function httpApiFunctions(): FunctionName[] {
  return [...new Set(ROUTES.filter((route) => route.via === 'httpApi').map((route) => route.function))];
}
