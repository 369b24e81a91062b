import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/**
 * Counts the table's items: the test's proof that a refused request stored nothing. The service's
 * own bookkeeping, which comes and goes on its own while a local service runs, is left out: the
 * sweeper's lease (held while a sweep runs) and the live event log (written by the run path's
 * transactions after an accepted request's changes).
 */
export async function countItems(endpoint: string, tableName: string): Promise<number> {
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
          FilterExpression:
            '(NOT begins_with(PK, :lease)) AND (attribute_not_exists(entity) OR entity <> :event)',
          ExpressionAttributeValues: {
            ':lease': { S: 'LEASE#' },
            ':event': { S: 'liveEvent' },
          },
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
