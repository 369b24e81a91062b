import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/**
 * A measuring aid for the local runtime (`TRACE_SLOW_REQUESTS_MS=1000 npm start`): every outbound
 * HTTP request made with node:http in this process — the AWS SDK's requests to DynamoDB Local, the
 * SQS, S3 and Scheduler emulators, the webhook sender — is watched through Node's diagnostics
 * channels, without touching the code that makes it. A request still unanswered after the threshold
 * is logged while it waits (method, host, the SDK's x-amz-target, how many sockets its agent has
 * busy and queued), and once more when it ends. This is how the stream stall of issue 11 was found.
 */

export interface SlowRequestTrace {
  stop(): void;
}

interface Pending {
  id: number;
  startedAt: number;
  reported: boolean;
}

export function traceSlowRequests(thresholdMs: number, log: (message: string) => void): SlowRequestTrace {
  const pending = new Map<ClientRequest, Pending>();
  let counter = 0;
  const describe = (request: ClientRequest): string => {
    const target = request.getHeader('x-amz-target');
    const agent = (request as unknown as { agent?: unknown }).agent as
      { sockets?: Record<string, unknown[]>; requests?: Record<string, unknown[]> } | undefined;
    const count = (group: Record<string, unknown[]> | undefined) =>
      Object.values(group ?? {}).reduce((sum, list) => sum + list.length, 0);
    return (
      `${request.method} ${request.host}:${String((request as { socket?: { remotePort?: number } }).socket?.remotePort ?? '?')}${request.path.split('?')[0]}` +
      (typeof target === 'string' ? ` ${target}` : '') +
      ` (agent: ${count(agent?.sockets)} socket(s) busy, ${count(agent?.requests)} request(s) queued)`
    );
  };
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    pending.set(request, { id: ++counter, startedAt: Date.now(), reported: false });
    request.once('close', () => {
      const entry = pending.get(request);
      pending.delete(request);
      if (entry?.reported)
        log(
          `[trace] #${entry.id} ${describe(request)} closed unanswered after ${Date.now() - entry.startedAt} ms`,
        );
    });
  };
  const onResponse = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const entry = pending.get(request);
    if (!entry) return;
    pending.delete(request);
    const ms = Date.now() - entry.startedAt;
    if (ms >= thresholdMs || entry.reported)
      log(`[trace] #${entry.id} ${describe(request)} answered after ${ms} ms`);
  };
  subscribe('http.client.request.start', onStart);
  subscribe('http.client.response.finish', onResponse);
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const [request, entry] of pending) {
        if (entry.reported || now - entry.startedAt < thresholdMs) continue;
        entry.reported = true;
        log(`[trace] #${entry.id} ${describe(request)} unanswered for ${now - entry.startedAt} ms`);
      }
    },
    Math.max(100, Math.min(thresholdMs, 1_000)),
  );
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe('http.client.request.start', onStart);
      unsubscribe('http.client.response.finish', onResponse);
    },
  };
}
