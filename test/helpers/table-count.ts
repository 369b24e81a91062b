import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** Counts every item of the table: the test's proof that a refused request stored nothing. */
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
