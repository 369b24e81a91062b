import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { STREAM_SOURCES, type FunctionName, type QueueName } from '#infra/wiring.ts';
import { tableThrottles } from './alarms.ts';

/**
 * The operator's CloudWatch dashboard `batch-calls-<stage>`: one screen per question an on-call
 * person asks, in the order docs/runbook.md asks them. Is the API answering (requests, 4xx, 5xx,
 * latency)? Is work waiting (queue depth and age, dead letters, the stream's iterator age)? Are the
 * functions healthy (errors, throttles, duration)? Is the table keeping up (capacity, throttles)?
 */
export function operationsDashboard(
  scope: Construct,
  props: {
    stage: string;
    api: apigwv2.IHttpApi;
    functions: Record<FunctionName, lambda.Function>;
    queues: Record<QueueName, { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue }>;
    table: dynamodb.ITable;
  },
): cloudwatch.Dashboard {
  const period = Duration.minutes(1);
  const fns = Object.entries(props.functions) as [FunctionName, lambda.Function][];
  const perFunction = (metric: (fn: lambda.Function) => cloudwatch.IMetric) =>
    fns.map(([name, fn]) => withLabel(metric(fn), name));
  const queues = Object.entries(props.queues) as [
    QueueName,
    { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue },
  ][];
  const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
    new cloudwatch.GraphWidget({ title, left, width, height: 6 });

  const dashboard = new cloudwatch.Dashboard(scope, 'OperationsDashboard', {
    dashboardName: `batch-calls-${props.stage}`,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        '# batch-calls operations\nWhat each alarm means and what to do: `docs/runbook.md` in the repository.',
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    graph('API requests', [props.api.metricCount({ period, statistic: 'Sum' })]),
    graph('API 4xx / 5xx', [
      props.api.metricClientError({ period, statistic: 'Sum' }),
      props.api.metricServerError({ period, statistic: 'Sum' }),
    ]),
    graph('API latency p99 (ms)', [props.api.metricLatency({ period, statistic: 'p99' })]),
  );
  dashboard.addWidgets(
    graph(
      'Queued messages',
      queues.map(([name, q]) =>
        withLabel(q.queue.metricApproximateNumberOfMessagesVisible({ period }), name),
      ),
    ),
    graph(
      'Oldest queued message (s)',
      queues.map(([name, q]) =>
        withLabel(q.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }), name),
      ),
    ),
    graph(
      'Dead letters',
      queues.map(([name, q]) =>
        withLabel(q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }), `${name} DLQ`),
      ),
    ),
  );
  dashboard.addWidgets(
    graph(
      'Invocations',
      perFunction((fn) => fn.metricInvocations({ period, statistic: 'Sum' })),
      6,
    ),
    graph(
      'Errors',
      perFunction((fn) => fn.metricErrors({ period, statistic: 'Sum' })),
      6,
    ),
    graph(
      'Throttles',
      perFunction((fn) => fn.metricThrottles({ period, statistic: 'Sum' })),
      6,
    ),
    graph(
      'Duration p99 (ms)',
      perFunction((fn) => fn.metricDuration({ period, statistic: 'p99' })),
      6,
    ),
  );
  dashboard.addWidgets(
    graph(
      'Stream iterator age (ms)',
      STREAM_SOURCES.map((source) =>
        withLabel(
          props.functions[source.function].metric('IteratorAge', { period, statistic: 'Maximum' }),
          source.function,
        ),
      ),
    ),
    graph('Table capacity used', [
      props.table.metricConsumedReadCapacityUnits({ period, statistic: 'Sum' }),
      props.table.metricConsumedWriteCapacityUnits({ period, statistic: 'Sum' }),
    ]),
    graph('Table throttled requests', [tableThrottles(props.table)]),
  );
  return dashboard;
}

function withLabel(metric: cloudwatch.IMetric, label: string): cloudwatch.IMetric {
  return metric instanceof cloudwatch.Metric ? metric.with({ label }) : metric;
}
