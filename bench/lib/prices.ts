/**
 * AWS list prices used for the cost estimate: us-east-1, May 2026, as given in issue 7's brief.
 * Estimates only: free tiers, data transfer, CloudWatch Logs, X-Ray and storage are left out.
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
} as const;
