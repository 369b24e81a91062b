/**
 * The single table's shape, used by the CDK stack and by the local runtime's CreateTable, so both
 * create the same table. Access patterns and key builders: ./keys.ts.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Epoch seconds; DynamoDB deletes expired items (idempotency records, outbox leftovers). */
  ttlAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  /**
   * One sparse index for the background work that must find items across workspaces: batches that
   * are not finished (`ACTIVE`, sorted by when they need attention) and webhook deliveries waiting
   * for their next attempt (`HOOKDUE#<shard>`, sorted by the next attempt; sharded so no one index
   * partition takes every event's writes: ./keys.ts). Items leave it by removing GSI1PK.
   */
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
} as const;
