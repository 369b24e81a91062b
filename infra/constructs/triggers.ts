import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import {
  QUEUE_SOURCES,
  RECURRING,
  STREAM_SOURCES,
  type FunctionName,
  type QueueName,
} from '#infra/wiring.ts';
import type { StatefulStack } from '#infra/stacks/stateful-stack.ts';
import type { GrantTargets } from './grant-targets.ts';
import { pascal } from './names.ts';

/**
 * What invokes the functions besides the HTTP API, as infra/wiring.ts lists it: the queue and table
 * stream event sources (stream failures go to the stream failure queue) and the recurring schedules.
 */

export function queueAndStreamSources(
  stateful: StatefulStack,
  targets: GrantTargets,
  functions: Record<FunctionName, lambda.Function>,
  queueConcurrency: Record<QueueName, number>,
): void {
  for (const source of QUEUE_SOURCES) {
    functions[source.function].addEventSource(
      new eventSources.SqsEventSource(stateful.queues[source.queue].queue, {
        batchSize: source.batchSize,
        // The deployment's value (context dialConcurrency / webhookConcurrency); QUEUE_SOURCES holds
        // local mode's, sized for one machine.
        maxConcurrency: queueConcurrency[source.queue],
        maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
        reportBatchItemFailures: source.reportBatchItemFailures,
      }),
    );
  }
  for (const source of STREAM_SOURCES) {
    functions[source.function].addEventSource(
      new eventSources.DynamoEventSource(targets.table, {
        startingPosition: lambda.StartingPosition[source.startingPosition],
        batchSize: source.batchSize,
        maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
        bisectBatchOnError: source.bisectBatchOnError,
        retryAttempts: source.retryAttempts,
        maxRecordAge: Duration.seconds(source.maxRecordAgeSeconds),
        parallelizationFactor: source.parallelizationFactor,
        reportBatchItemFailures: source.reportBatchItemFailures,
        filters: source.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)),
        onFailure: new eventSources.SqsDlq(stateful.streamFailureQueue),
      }),
    );
  }
}

/** One EventBridge rule `<Function>Schedule` per RECURRING entry. */
export function recurringSchedules(
  scope: Construct,
  functions: Record<FunctionName, lambda.IFunction>,
): void {
  for (const recurring of RECURRING) {
    new events.Rule(scope, `${pascal(recurring.function)}Schedule`, {
      description: `Runs ${recurring.function} ${recurring.rate}`,
      schedule: events.Schedule.expression(recurring.rate),
      // A missed run is caught up by the next one; retries beyond that would only overlap it.
      targets: [
        new eventTargets.LambdaFunction(functions[recurring.function], {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
        }),
      ],
    });
  }
}
