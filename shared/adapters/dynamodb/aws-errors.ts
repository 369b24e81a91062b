import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** What the SDK's DynamoDB errors say, read in one place (the table's operations, conflicts, table setup). */

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** Codes of a cancelled transaction's items, by position (empty for any other error). */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if (errorName(error) !== 'TransactionCanceledException') return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code);
}

/** Which items of a cancelled transaction failed their condition (by position), or null if it was not that. */
export function failedConditions(error: unknown): boolean[] | null {
  const failed = cancellationCodes(error).map((code) => code === 'ConditionalCheckFailed');
  return failed.some(Boolean) ? failed : null;
}

/** The item a failed condition saw (ReturnValuesOnConditionCheckFailure ALL_OLD), when it existed. */
export function oldItemOf(error: unknown): Record<string, unknown> | null {
  const raw = (error as { Item?: Record<string, AttributeValue> }).Item;
  return raw && Object.keys(raw).length > 0 ? unmarshall(raw) : null;
}
