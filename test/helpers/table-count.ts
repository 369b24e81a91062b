import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/**
 * Counts every item of the table: the test's proof that a refused request stored nothing. With `withoutBookkeeping`, leaving out the service's own bookkeeping that comes
 * and goes on its own: the sweeper's lease (held while a sweep runs) and the live event log (written
 * by the stream function after a change): a test of what a request or the sweeper stores counts the rest.
 */
export async function countItems(
  endpoint: string,
  tableName: string,
  options: { withoutBookkeeping?: boolean } = {},
): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    let total = 0;
    let start: Record<string, any> | undefined;
    do {
      const out = await client.send(
        new ScanCommand({
          TableName: tableName,
          Select: 'COUNT',
          ...(options.withoutBookkeeping
            ? {
                FilterExpression: 'NOT begins_with(PK, :lease) AND NOT (entity IN (:event, :counter))',
                ExpressionAttributeValues: {
                  ':lease': { S: 'LEASE#' },
                  ':event': { S: 'liveEvent' },
                  ':counter': { S: 'liveEventCounter' },
                },
              }
            : {}),
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return total;
  } finally {
    client.destroy();
  }
}
