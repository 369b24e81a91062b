import type { Entity } from '../keys.ts';
import type { Item } from '../table-ops.ts';

/**
 * Reading items back: every entity module turns an item into its domain object field by field with
 * these readers, instead of casting. An item of another kind, or one missing a field or holding the
 * wrong type, fails loudly here (naming the entity, the item's key and the field) rather than later
 * as an `undefined` deep inside a use case. Checks are shallow on purpose (typeof, a member of an
 * enum, "is a map"): the run path parses items on every call, and the items were written by these
 * same modules, so the point is to catch a wrong item, not to re-validate client input. Plain
 * functions over the item (no reader object per item): a parse costs well under a microsecond.
 */

export class MalformedItemError extends Error {
  constructor(item: Item, problem: string) {
    super(`Malformed ${String(item.entity)} item ${String(item.PK)}/${String(item.SK)}: ${problem}`);
    this.name = 'MalformedItemError';
  }
}

function fail(item: Item, problem: string): never {
  throw new MalformedItemError(item, problem);
}

const absent = (value: unknown): value is null | undefined => value === null || value === undefined;

/** Refuses an item of another kind (a key pointing at the wrong item). */
export function expectEntity(item: Item, entity: Entity): void {
  if (item.entity !== entity) fail(item, `expected entity ${entity}`);
}

export const read = {
  string(item: Item, name: string): string {
    const value = item[name];
    if (typeof value !== 'string') fail(item, `${name} is not a string`);
    return value;
  },

  /** A string, or null when it is null or absent. */
  nullableString(item: Item, name: string): string | null {
    const value = item[name];
    if (absent(value)) return null;
    if (typeof value !== 'string') fail(item, `${name} is not a string or null`);
    return value;
  },

  number(item: Item, name: string): number {
    const value = item[name];
    if (typeof value !== 'number') fail(item, `${name} is not a number`);
    return value;
  },

  nullableNumber(item: Item, name: string): number | null {
    const value = item[name];
    if (absent(value)) return null;
    if (typeof value !== 'number') fail(item, `${name} is not a number or null`);
    return value;
  },

  boolean(item: Item, name: string): boolean {
    const value = item[name];
    if (typeof value !== 'boolean') fail(item, `${name} is not a boolean`);
    return value;
  },

  /** True only for a stored `true`: run-time flags are absent until set. */
  flag(item: Item, name: string): boolean {
    return item[name] === true;
  },

  oneOf<T extends string>(item: Item, name: string, values: readonly T[]): T {
    const value = item[name];
    if (!values.includes(value as T)) fail(item, `${name} is not one of ${values.join(', ')}`);
    return value as T;
  },

  nullableOneOf<T extends string>(item: Item, name: string, values: readonly T[]): T | null {
    return absent(item[name]) ? null : read.oneOf(item, name, values);
  },

  /** A map; its members are the writer's (the domain type says what they are). */
  map<T extends object>(item: Item, name: string): T {
    const value = item[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(item, `${name} is not a map`);
    return value as T;
  },

  nullableMap<T extends object>(item: Item, name: string): T | null {
    return absent(item[name]) ? null : read.map<T>(item, name);
  },

  list<T>(item: Item, name: string): T[] {
    const value = item[name];
    if (!Array.isArray(value)) fail(item, `${name} is not a list`);
    return value as T[];
  },
};
