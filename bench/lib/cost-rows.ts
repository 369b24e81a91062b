import { COST_TARGETS, PLATFORM_LOG_BYTES, type CostBreakdown } from './cost.ts';
import { round } from './stats.ts';

/**
 * The table rows of one run's cost, each figure next to issue 16's target: requests per recipient
 * by service, Secrets Manager calls, log bytes, and dollars per 1,000 calls by service.
 */
export function costRows(cost: CostBreakdown, provider: string): string[][] {
  const per = cost.requestsPerRecipient;
  const dynamoTarget = COST_TARGETS.dynamodbPerRecipient[provider];
  const mark = (value: number, target: number | undefined) =>
    target === undefined ? '' : ` (target ≤ ${target}${value <= target ? '' : ', MISSED'})`;
  const dynamodb = per.dynamodb ?? 0;
  const sqs = per.sqs ?? 0;
  const usd = cost.usdPer1000Calls;
  const logs = cost.logBytesPerRecipient;
  return [
    [
      `  AWS requests per recipient (${provider})`,
      `DynamoDB ${round(dynamodb, 1)}${mark(dynamodb, dynamoTarget)}, SQS ${round(sqs, 1)}${provider === 'simulated' ? mark(sqs, COST_TARGETS.sqsPerRecipient) : ''}`,
      `S3 ${round(per.s3 ?? 0, 2)}, Scheduler ${round(per.scheduler ?? 0, 2)}, Lambda ${round(per.lambdaInvocations ?? 0, 2)} invocations, API Gateway ${round(per.apiGateway ?? 0, 2)}`,
    ],
    [`  Secrets Manager calls per recipient`, `${round(cost.secrets.perRecipient, 3)}`, cost.secrets.atScale],
    [
      `  log bytes per recipient`,
      `${logs.total} B`,
      `functions at the deployed level: ${
        Object.entries(logs.functions)
          .map(([name, bytes]) => `${name} ${bytes}`)
          .join(', ') || 'none'
      }; Lambda's platform events ${logs.platform} (${PLATFORM_LOG_BYTES} B per invocation)`,
    ],
    [
      `  est. AWS cost per 1,000 calls`,
      `$${round(usd.total, 4)}${mark(usd.total, COST_TARGETS.usdPer1000Calls)}`,
      Object.entries(usd)
        .filter(([k]) => k !== 'total')
        .map(([k, v]) => `${k} $${round(v, 4)}`)
        .join(', '),
    ],
  ];
}
