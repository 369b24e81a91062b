/**
 * AWS list prices used for the cost estimate: us-east-1, May 2026 (issue 7's brief; Secrets Manager
 * and CloudWatch Logs added for issue 16, same date). Sources, each service's public pricing page:
 * aws.amazon.com/lambda/pricing (Arm), /dynamodb/pricing/on-demand, /sqs/pricing (standard queues),
 * /api-gateway/pricing (HTTP APIs, first 300 M), /s3/pricing (S3 Standard), /eventbridge/pricing
 * (Scheduler), /secrets-manager/pricing ($0.05 per 10,000 API calls), /cloudwatch/pricing (Logs,
 * Standard class: $0.50 per GB collected). Estimates only: free tiers, data transfer, X-Ray traces,
 * storage and the $0.40 per secret-month are left out (none of them is per call).
 *
 * Not priced because the stack does not use them per call: Lambda function URLs and response
 * streaming (only the dashboard's live events stream through one; billed as Lambda requests and
 * duration, which the invocation count and GB-seconds already include, plus $0.008 per GB streamed
 * past the first 6 MB of a response, which no call reaches).
 */
export const PRICES = {
  date: '2026-05',
  region: 'us-east-1',
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Arm (Graviton). */
  lambdaPerGbSecond: 0.0000133334,
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
  sqsPerRequest: 0.4 / 1_000_000,
  apiGatewayHttpPerRequest: 1.0 / 1_000_000,
  s3PerPut: 0.005 / 1_000,
  s3PerGet: 0.0004 / 1_000,
  schedulerPerInvocation: 1.0 / 1_000_000,
  /** Every Secrets Manager API call (GetSecretValue, PutSecretValue, …). */
  secretsManagerPerApiCall: 0.05 / 10_000,
  /** CloudWatch Logs ingestion, Standard log class; a GB taken as 2^30 bytes. */
  cloudWatchLogsPerGbIngested: 0.5,
} as const;
