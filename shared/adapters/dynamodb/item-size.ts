import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { PayloadTooLargeError, ValidationError } from '../../domain/errors.ts';
import { DYNAMODB_LIMITS } from '../../domain/limits.ts';

/**
 * The size DynamoDB bills and limits an item by (docs: "Item sizes and formats"): attribute names and
 * values in UTF-8 bytes; a number about one byte per two significant digits plus one (at most 21); a
 * boolean or null one byte; a list or map 3 bytes plus one per element, plus its elements (a map's
 * keys count like attribute names). The store checks every item it writes from client input against
 * DynamoDB's 400 KB with this (assertStorable), and the property test in test/unit/item-size.test.ts
 * proves the contracts' limits keep every accepted input below it.
 */

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Significant digits of a DynamoDB number string (`-0.00120` → 2, `1e-130` → 1, `1000` → 1). */
function significantDigits(n: string): number {
  const mantissa = n.toLowerCase().split('e')[0] ?? '';
  const digits = mantissa
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.max(1, digits.length);
}

export function numberSize(n: string): number {
  return Math.min(21, Math.ceil(significantDigits(n) / 2) + 1);
}

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) {
    return 3 + value.L.reduce((sum, element) => sum + 1 + attributeValueSize(element), 0);
  }
  if (value.M !== undefined) {
    let size = 3;
    for (const [key, element] of Object.entries(value.M)) size += 1 + utf8(key) + attributeValueSize(element);
    return size;
  }
  throw new Error('Unknown attribute value type');
}

/** The item as the store's document client writes it (the same marshalling options). */
export function marshallItem(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

export function marshalledItemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + attributeValueSize(value);
  return size;
}

export function itemSizeBytes(item: Record<string, unknown>): number {
  return marshalledItemSize(marshallItem(item));
}

/** True when DynamoDB can store the number string: at most 38 significant digits, magnitude 0 or 1e-130..<1e126. */
export function isStorableNumber(n: string): boolean {
  const value = Number(n);
  if (!Number.isFinite(value)) return false;
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && magnitude < DYNAMODB_LIMITS.numberMinMagnitude) return false;
  if (magnitude >= DYNAMODB_LIMITS.numberMaxMagnitudeExclusive) return false;
  return significantDigits(n) <= DYNAMODB_LIMITS.numberMaxDigits;
}

function everyNumberStorable(value: AttributeValue): boolean {
  if (value.N !== undefined) return isStorableNumber(value.N);
  if (value.NS !== undefined) return value.NS.every(isStorableNumber);
  if (value.L !== undefined) return value.L.every(everyNumberStorable);
  if (value.M !== undefined) return Object.values(value.M).every(everyNumberStorable);
  return true;
}

/**
 * The last line of defence before a write: an item DynamoDB would refuse (over 400 KB, a number it
 * cannot store, a number the SDK will not marshal) becomes a clear 4xx instead of an SDK exception
 * and a 500. The messages name what was written, never a value (values may be personal data).
 * `path` names the field in a ValidationError. Returns the marshalled size.
 */
export function assertStorable(item: Record<string, unknown>, what: string, path = ''): number {
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshallItem(item);
  } catch {
    // The SDK's message quotes the value (an unsafe integer): it must not reach the logs.
    throw new ValidationError([{ path, message: `${what} holds a value that cannot be stored` }]);
  }
  if (!Object.values(marshalled).every(everyNumberStorable)) {
    throw new ValidationError([
      { path, message: `${what} holds a number outside the range that can be stored` },
    ]);
  }
  const size = marshalledItemSize(marshalled);
  if (size > DYNAMODB_LIMITS.itemBytes) {
    throw new PayloadTooLargeError(
      `${what} would take ${size.toLocaleString('en-US')} bytes, more than the ${DYNAMODB_LIMITS.itemBytes.toLocaleString('en-US')} bytes one stored item may hold; see docs/limits.md.`,
    );
  }
  return size;
}
