import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import { FUNCTIONS, STREAM_SOURCES, type FunctionName, type QueueName } from '#infra/wiring.ts';
import { pascal } from './names.ts';

/** A stream source's records older than this (ms) for three minutes running raise an alarm. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 60_000;

/**
 * The functions' alarms, all notifying the alarm topic: `<Function>ErrorsAlarm` on any uncaught
 * error or timeout, `<Function>IteratorAgeAlarm` on each table stream consumer that stops progressing.
 */
export function functionAlarms(
  scope: Construct,
  functions: Record<FunctionName, lambda.Function>,
  alarmTopic: sns.ITopic,
): void {
  const alarmAction = new cloudwatchActions.SnsAction(alarmTopic);
  for (const [name, fn] of Object.entries(functions)) {
    fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
      .createAlarm(scope, `${pascal(name)}ErrorsAlarm`, {
        alarmDescription: `The ${name} function failed (uncaught errors or timeouts).`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(alarmAction);
  }
  // A stream source that stops making progress (an invocation hanging to its timeout and retried, a
  // poison record being bisected) fails no request and may raise no error: its records just age.
  // IteratorAge is the age of the last record of each batch handed to the function; in normal runs
  // it stays well under a second, so a minute for three minutes running is a blocked shard.
  for (const source of STREAM_SOURCES) {
    functions[source.function]
      .metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(scope, `${pascal(source.function)}IteratorAgeAlarm`, {
        alarmDescription: `The ${source.function} function's stream records wait over a minute (a blocked or lagging shard).`,
        threshold: STREAM_ITERATOR_AGE_ALARM_MS,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(alarmAction);
  }
}

/** A work queue's oldest message older than this (s) for 10 minutes: its consumer is not keeping up. */
export const QUEUE_AGE_ALARM_SECONDS = 1_800;
/** The sweeper's longest run over this share of its timeout: it is near being cut off mid-sweep. */
export const SWEEPER_DURATION_ALARM_SHARE = 0.8;

const fiveMinutes = Duration.minutes(5);
const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;

/**
 * Alarms of the data side (stateful stack): `<Queue>QueueAgeAlarm` when a work queue's oldest message
 * is over 30 minutes old (longer than any delay the service sets: a re-queued dial waits at most 15
 * minutes, a webhook retry too), and `TableThrottleAlarm` on any throttled read or write of the table
 * or its index (on-demand tables throttle past a partition's limits or a sudden doubling of traffic).
 */
export function workQueueAndTableAlarms(
  scope: Construct,
  props: {
    queues: Record<QueueName, { queue: sqs.IQueue }>;
    table: dynamodb.ITable;
    action: cloudwatch.IAlarmAction;
  },
): void {
  for (const [name, { queue }] of Object.entries(props.queues)) {
    queue
      .metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' })
      .createAlarm(scope, `${pascal(name)}QueueAgeAlarm`, {
        alarmDescription: `The ${name} queue's oldest message waits over ${QUEUE_AGE_ALARM_SECONDS / 60} minutes: its consumer is failing or throttled (docs/runbook.md).`,
        threshold: QUEUE_AGE_ALARM_SECONDS,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: notBreaching,
      })
      .addAlarmAction(props.action);
  }
  tableThrottles(props.table)
    .createAlarm(scope, 'TableThrottleAlarm', {
      alarmDescription:
        'DynamoDB throttled reads or writes of the table or its index: requests are retried and slowed (docs/runbook.md).',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: notBreaching,
    })
    .addAlarmAction(props.action);
}

/** Throttled reads and writes of the table and of GSI1, summed per five minutes. */
export function tableThrottles(table: dynamodb.ITable): cloudwatch.MathExpression {
  const metric = (name: string, index?: string) =>
    table.metric(name, {
      period: fiveMinutes,
      statistic: 'Sum',
      ...(index ? { dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index } } : {}),
    });
  return new cloudwatch.MathExpression({
    expression: 'FILL(r, 0) + FILL(w, 0) + FILL(gr, 0) + FILL(gw, 0)',
    usingMetrics: {
      r: metric('ReadThrottleEvents'),
      w: metric('WriteThrottleEvents'),
      gr: metric('ReadThrottleEvents', TABLE.gsi1.name),
      gw: metric('WriteThrottleEvents', TABLE.gsi1.name),
    },
    label: 'Throttled requests',
    period: fiveMinutes,
  });
}

/**
 * Alarms of the code side (stateless stack): `<Function>ThrottlesAlarm` (the account's concurrency
 * is exhausted: work waits), `ApiServerErrorsAlarm` (5xx answers of the HTTP API) and
 * `SweeperDurationAlarm` (a sweep near its timeout would stop half-way, every minute).
 */
export function serviceAlarms(
  scope: Construct,
  props: {
    functions: Record<FunctionName, lambda.Function>;
    api: apigwv2.IHttpApi;
    alarmTopic: sns.ITopic;
  },
): void {
  const action = new cloudwatchActions.SnsAction(props.alarmTopic);
  for (const [name, fn] of Object.entries(props.functions)) {
    fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' })
      .createAlarm(scope, `${pascal(name)}ThrottlesAlarm`, {
        alarmDescription: `Lambda throttled the ${name} function: the account's or its concurrency is exhausted (docs/runbook.md).`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: notBreaching,
      })
      .addAlarmAction(action);
  }
  props.api
    .metricServerError({ period: fiveMinutes, statistic: 'Sum' })
    .createAlarm(scope, 'ApiServerErrorsAlarm', {
      alarmDescription:
        'The HTTP API answered 5xx (function errors, timeouts or integration failures) (docs/runbook.md).',
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    })
    .addAlarmAction(action);
  props.functions.sweeper
    .metricDuration({ period: fiveMinutes, statistic: 'Maximum' })
    .createAlarm(scope, 'SweeperDurationAlarm', {
      alarmDescription: `A sweep took over ${SWEEPER_DURATION_ALARM_SHARE * 100} % of its timeout (docs/runbook.md).`,
      threshold: SWEEPER_DURATION_ALARM_SHARE * FUNCTIONS.sweeper.timeoutSeconds * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    })
    .addAlarmAction(action);
}
