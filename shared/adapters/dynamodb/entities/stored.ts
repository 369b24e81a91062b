import { StateConflictError } from '../../../domain/errors.ts';
import { assertStorable } from '../item-size.ts';
import type { Entity, TableKey } from '../keys.ts';
import type { Item, Table } from '../table-ops.ts';

/**
 * What every entity module shares: items hold the domain fields as they are (camelCase) next to the
 * key attributes and the `entity` discriminator (read back by ./parse.ts).
 */

/** Domain types are interfaces (no index signature); the intersection with Item lets the SDK take them. */
export type Stored<T> = T & TableKey & { entity: Entity } & Item;

// Keys go last so a domain field can never overwrite them.
export function stored<T extends object>(value: T, key: TableKey, entity: Entity): Stored<T> {
  return { ...value, ...key, entity } as Stored<T>;
}

/** Puts an item that must not exist yet, checked against DynamoDB's limits first; a conflict says what exists. */
export async function createItem(table: Table, item: Item, what: string): Promise<void> {
  assertStorable(item, what);
  const written = await table.putNew(item);
  if (!written.ok) throw new StateConflictError(`${what} already exists`, { cause: written.cause });
}

export { boundedText, MAX_STORED_ERROR_LENGTH } from '../../../domain/bounded-text.ts';
