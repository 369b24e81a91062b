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
} as const;
