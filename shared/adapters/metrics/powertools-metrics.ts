import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CallOutcome } from '../../domain/recipient.ts';
import type { OperationalMetrics, ProviderErrorKind, WebhookResultClass } from '../../ports/metrics.ts';

/**
 * The metrics port as Powertools Metrics: CloudWatch embedded metric format (EMF) lines on stdout,
 * which CloudWatch Logs turns into metrics (no API call, no client in the bundle). Namespace and
 * service come from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME; POWERTOOLS_METRICS_DISABLED
 * turns the output off (local mode: infra/function-environment.ts).
 *
 * Counts are summed per dimension set during an invocation and written at `flush()`, one line per
 * set: a dial invocation of ten messages writes one `ProviderError` line, not ten. Hand-over
 * latencies go out as one metric with many values.
 */

export const METRIC_NAMES = {
  callOutcome: 'CallOutcome',
  handOver: 'HandOverLatency',
  providerError: 'ProviderError',
  webhookResult: 'WebhookDelivery',
} as const;

interface Count {
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

export function createPowertoolsMetrics(metrics: Metrics = new Metrics()): OperationalMetrics {
  const counts = new Map<string, Count>();
  let latencies = 0;

  const count = (name: string, dimensions: Record<string, string>) => {
    const key = `${name}\u0000${JSON.stringify(dimensions)}`;
    const found = counts.get(key);
    if (found) found.value += 1;
    else counts.set(key, { name, dimensions, value: 1 });
  };

  return {
    callEnded: (outcome: CallOutcome) => count(METRIC_NAMES.callOutcome, { outcome }),
    handOverMs(ms) {
      metrics.addMetric(METRIC_NAMES.handOver, MetricUnit.Milliseconds, Math.max(0, Math.round(ms)));
      latencies += 1;
    },
    providerError: (provider: string, kind: ProviderErrorKind) =>
      count(METRIC_NAMES.providerError, { provider, kind }),
    webhookResult: (result: WebhookResultClass) => count(METRIC_NAMES.webhookResult, { result }),
    flush() {
      for (const { name, dimensions, value } of counts.values()) {
        // A single metric carries its own dimensions and is written as soon as it is added.
        metrics.singleMetric().addDimensions(dimensions).addMetric(name, MetricUnit.Count, value);
      }
      counts.clear();
      // Only when something was stored: Powertools warns about an empty flush.
      if (latencies > 0) metrics.publishStoredMetrics();
      latencies = 0;
    },
  };
}
