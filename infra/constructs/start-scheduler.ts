import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SCHEDULER } from '#infra/wiring.ts';

/**
 * The group of the one-time start schedules the api function creates, and the role EventBridge
 * Scheduler assumes to run them: it may invoke the start function and nothing else.
 */
export interface StartScheduler {
  groupName: string;
  group: scheduler.ScheduleGroup;
  role: iam.Role;
}

export function startScheduler(scope: Construct, stage: string): StartScheduler {
  const groupName = `${SCHEDULER.groupName}-${stage}`;
  const group = new scheduler.ScheduleGroup(scope, 'StartScheduleGroup', {
    scheduleGroupName: groupName,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'SchedulerRole', {
    description:
      'EventBridge Scheduler: invokes the batch start function, dead-letters what it cannot deliver',
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        ArnEquals: { 'aws:SourceArn': group.scheduleGroupArn },
      },
    }),
  });
  return { groupName, group, role };
}

/** What the schedules may do: invoke their target, dead-letter what they cannot deliver. */
export function allowScheduleDelivery(
  { role }: StartScheduler,
  target: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): void {
  role.addToPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
  );
}
