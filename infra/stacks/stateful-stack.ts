import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import type { DeployConfig } from '#infra/config.ts';
import { QUEUES, type QueueName } from '#infra/wiring.ts';
import {
  deadLetterQueueName,
  SCHEDULER_DLQ_NAME,
  stageQueueName,
  STREAM_FAILURES_NAME,
} from '#infra/queue-names.ts';
import { workQueueAndTableAlarms } from '#infra/constructs/alarms.ts';
import { acknowledgeStatefulFindings } from '#infra/stacks/nag-acknowledgements.ts';

/**
 * Everything that holds customer data or in-flight work: the table, the files bucket, the queues and
 * their dead-letter queues, and the alarm topic with the dead-letter alarms. Kept apart from the
 * functions so that redeploying code never replaces data, and so its removal policy is explicit.
 */

/** Key prefixes of the files bucket. */
export const FILES_PREFIX = {
  /** CSV uploads through a pre-signed PUT (the 5 MB path); read once when the batch is created. */
  uploads: 'uploads/',
  transcripts: 'transcripts/',
  /** Results exports too large to answer inline, fetched through a pre-signed GET; expiring. */
  exports: 'exports/',
} as const;

/** Key prefixes of the log bucket, one per source. */
export const LOG_PREFIX = {
  filesBucket: 'files-bucket/',
  dashboardBucket: 'dashboard-bucket/',
  cloudFront: 'cloudfront/',
} as const;

/** Pre-signed uploads are consumed within minutes; a day leaves room for a slow client and retries. */
export const UPLOAD_EXPIRY_DAYS = 1;
/** An export's link lives an hour (shared/app/results-export.ts); every export renders afresh. */
export const EXPORT_EXPIRY_DAYS = 1;

/** Messages sit in a dead-letter queue for inspection and redrive: the SQS maximum. */
const DLQ_RETENTION = Duration.days(14);

/**
 * Export names of the ARNs the stateless stack grants wildcard access below (`index/*`,
 * `transcripts/*`). Named, not generated, so that each acknowledged cdk-nag finding names them.
 */
export function statefulExportNames(stage: string): { tableArn: string; filesBucketArn: string } {
  return {
    tableArn: `batch-calls-${stage}-table-arn`,
    filesBucketArn: `batch-calls-${stage}-files-bucket-arn`,
  };
}

export interface WorkQueue {
  queue: sqs.Queue;
  deadLetterQueue: sqs.Queue;
}

export interface StatefulStackProps extends StackProps {
  config: DeployConfig;
}

export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  /** CSV uploads (`uploads/`, expiring) and transcripts (`transcripts/`). */
  readonly filesBucket: s3.Bucket;
  /** Server access logs of the buckets and CloudFront's standard logs. */
  readonly logBucket: s3.Bucket;
  readonly queues: Record<QueueName, WorkQueue>;
  /** Start schedules that EventBridge Scheduler could not deliver. */
  readonly schedulerDeadLetterQueue: sqs.Queue;
  /** Stream batches the table-stream function gave up on (Lambda's on-failure destination). */
  readonly streamFailureQueue: sqs.Queue;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[TABLE.streamViewType],
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Encrypted at rest with an AWS-owned key (the default, no KMS charges).
      encryption: dynamodb.TableEncryption.DEFAULT,
      deletionProtection: !config.disposable,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.gsi1.name,
      partitionKey: { name: TABLE.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      // The background jobs read the keys and then the item itself: projecting more would double writes.
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are delivered through the bucket ACL, so ACLs must stay enabled.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
      removalPolicy,
    });
    // The dashboard bucket lives in the stateless stack: naming it here would make the stacks depend
    // on each other both ways, so its log delivery is allowed by prefix and account instead.
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logBucket.arnForObjects(`${LOG_PREFIX.dashboardBucket}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.filesBucket = new s3.Bucket(this, 'FilesBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: LOG_PREFIX.filesBucket,
      // No versioning: transcripts are written once and re-derivable uploads expire in a day, so old
      // versions would only cost storage. The table's PITR covers the records that point at them.
      versioned: false,
      lifecycleRules: [
        {
          id: 'expire-uploads',
          prefix: FILES_PREFIX.uploads,
          expiration: Duration.days(UPLOAD_EXPIRY_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'expire-exports', prefix: FILES_PREFIX.exports, expiration: Duration.days(EXPORT_EXPIRY_DAYS) },
        // The retention of finished batches (their items go by DynamoDB TTL): counted from the
        // transcript's write, which precedes its batch's end (docs/deploy.md, "Retention").
        {
          id: 'expire-transcripts',
          prefix: FILES_PREFIX.transcripts,
          expiration: Duration.days(config.retentionDays),
        },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Browsers (the dashboard) send the CSV straight to S3 with a pre-signed PUT URL or POST form:
      // the signature, not the origin, authorises the upload, and it names one key under uploads/.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST],
          allowedOrigins: ['*'],
          allowedHeaders: ['content-type', 'content-length', 'content-md5', 'x-amz-*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
        // The dashboard downloads a large results export by following the API's redirect to a
        // pre-signed GET (exports/): the signature authorises it; the browser needs the CORS answer.
        { allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'], maxAge: 3000 },
      ],
      removalPolicy,
    });

    const exportNames = statefulExportNames(config.stage);
    this.exportValue(this.table.tableArn, { name: exportNames.tableArn });
    this.exportValue(this.filesBucket.bucketArn, { name: exportNames.filesBucketArn });

    const queueEncryption = sqs.QueueEncryption.SQS_MANAGED;
    // Named by convention (infra/queue-names.ts): the admin command finds a stage's queues by name.
    const queueName = (name: string) => stageQueueName(config.stage, name);
    const deadLetter = (id: string, name: string) =>
      new sqs.Queue(this, id, {
        queueName: queueName(name),
        encryption: queueEncryption,
        enforceSSL: true,
        retentionPeriod: DLQ_RETENTION,
        removalPolicy,
      });

    const workQueue = (name: QueueName, idPrefix: string): WorkQueue => {
      const spec = QUEUES[name];
      const dlq = deadLetter(`${idPrefix}DeadLetterQueue`, deadLetterQueueName(name));
      const queue = new sqs.Queue(this, `${idPrefix}Queue`, {
        queueName: queueName(name),
        encryption: queueEncryption,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(spec.retentionSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
        removalPolicy,
      });
      return { queue, deadLetterQueue: dlq };
    };
    this.queues = { dial: workQueue('dial', 'Dial'), webhook: workQueue('webhook', 'Webhook') };

    this.schedulerDeadLetterQueue = deadLetter('SchedulerDeadLetterQueue', SCHEDULER_DLQ_NAME);
    this.streamFailureQueue = deadLetter('StreamFailureQueue', STREAM_FAILURES_NAME);

    // CloudWatch publishes alarms into the encrypted topic: the key must let it use the key.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'batch-calls alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy,
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `batch-calls ${config.stage} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }

    const deadLetterQueues: [string, sqs.Queue][] = [
      ['DialDeadLetter', this.queues.dial.deadLetterQueue],
      ['WebhookDeadLetter', this.queues.webhook.deadLetterQueue],
      ['SchedulerDeadLetter', this.schedulerDeadLetterQueue],
      ['StreamFailure', this.streamFailureQueue],
    ];
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const [name, queue] of deadLetterQueues) {
      const alarm = queue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, `${name}Alarm`, {
          alarmDescription: `Messages are waiting in ${name} queue: work that failed for good, inspect and redrive.`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      alarm.addAlarmAction(action);
    }
    workQueueAndTableAlarms(this, { queues: this.queues, table: this.table, action });

    acknowledgeStatefulFindings(this);
  }
}
