import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { STREAM_SOURCES, type FunctionName } from '#infra/wiring.ts';
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
