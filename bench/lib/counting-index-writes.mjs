// @ts-check
/**
 * What the counting proxy reads from a DynamoDB request beside its operation: the item types it
 * touches, and the writes that change the sparse index GSI1 (the capacity model's index rates).
 */

/** The item type of a key or item: its PK's (or SK's) first segment, e.g. `BATCH:R`. */
export function itemTypeOf(key) {
  if (!key || typeof key !== 'object') return '?';
  const pk = key.PK?.S ?? key.GSI1PK?.S;
  const sk = key.SK?.S;
  const head = (v) => (typeof v === 'string' ? v.split('#')[0] : '?');
  return sk === undefined ? head(pk) : `${head(pk)}:${head(sk)}`;
}
/** The GSI1 partition an item type sits in when it is in the index (keys.ts, "Sparse index GSI1"). */
const INDEX_PARTITION_OF_TYPE = {
  'WS:BATCH': 'ACTIVE',
  'BATCH:HOOK': 'HOOKDUE',
  'BATCH:CREATING': 'CREATING',
};
const INDEX_PARTITIONS = new Set(Object.values(INDEX_PARTITION_OF_TYPE));

/**
 * The GSI1 partitions one write action changes (the capacity model's index write rates): a put of
 * an item carrying GSI1PK, an update that sets GSI1PK or GSI1SK (directly or through an attribute
 * name). Exits are not counted here (see below). Updates of other
 * attributes leave a KEYS_ONLY index untouched.
 */
function indexWritesOfAction(action, kind) {
  const key = action.Key ?? action.Item;
  const type = itemTypeOf(key);
  if (kind === 'Put') {
    const pk = action.Item?.GSI1PK?.S;
    const item = itemKeyOf(key);
    if (item !== null) lastIndexKey.set(item, `${pk ?? ''}\u0000${action.Item?.GSI1SK?.S ?? ''}`);
    return typeof pk === 'string' ? [pk] : [];
  }
  // Leaving the index (a delete, a REMOVE) costs a write only for an item that entered it, whose
  // entry is counted: the model counts each entry twice, once for its exit (capacity-model.ts).
  if (kind === 'Delete') return [];
  const set =
    /\bSET\b([\s\S]*?)(?=\b(?:REMOVE|ADD|DELETE)\b|$)/i.exec(action.UpdateExpression ?? '')?.[1] ?? '';
  const names = action.ExpressionAttributeNames ?? {};
  const touched = ['GSI1PK', 'GSI1SK'].some(
    (attribute) =>
      new RegExp(`\\b${attribute}\\b`).test(set) ||
      Object.entries(names).some(([alias, name]) => name === attribute && set.includes(alias)),
  );
  if (!touched) return [];
  // Setting an index key to the value it has writes nothing to the index (DynamoDB writes an index
  // only when a key or projected attribute changes): a busy batch's progress writes set the same
  // stepped attention time again and again (entities/batch.ts, ATTENTION_STEP_MS).
  const assigned = assignedIndexKey(set, names, action.ExpressionAttributeValues ?? {});
  const item = itemKeyOf(key);
  if (assigned !== null && item !== null) {
    // An attribute the update leaves alone keeps the value it had.
    const before = lastIndexKey.get(item)?.split('\u0000') ?? [];
    const after = assigned.map((value, i) => value ?? before[i] ?? '').join('\u0000');
    if (lastIndexKey.get(item) === after) return [];
    lastIndexKey.set(item, after);
  }
  const values = Object.values(action.ExpressionAttributeValues ?? {});
  // A due webhook's partition is one of the HOOKDUE#<n> shards (keys.ts, HOOKDUE_SHARDS).
  const named = values.find(
    (v) => typeof v?.S === 'string' && (INDEX_PARTITIONS.has(v.S) || /^HOOKDUE#\d+$/.test(v.S)),
  );
  return [named?.S ?? INDEX_PARTITION_OF_TYPE[type] ?? '?'];
}

/** The index key each item was last seen set to (by an update or a put): see indexWritesOfAction. */
const lastIndexKey = new Map();

function itemKeyOf(key) {
  const pk = key?.PK?.S;
  const sk = key?.SK?.S;
  return typeof pk === 'string' && typeof sk === 'string' ? `${pk}\u0000${sk}` : null;
}

/**
 * The GSI1PK and GSI1SK values a SET clause assigns (null for one it does not assign), or null when
 * it assigns them from something other than plain values (then every such write counts).
 */
function assignedIndexKey(set, names, values) {
  const parts = [];
  for (const attribute of ['GSI1PK', 'GSI1SK']) {
    const aliases = [
      attribute,
      ...Object.entries(names)
        .filter(([, n]) => n === attribute)
        .map(([a]) => a),
    ];
    let found = null;
    for (const assignment of set.split(',')) {
      const [left, right] = assignment.split('=').map((side) => side?.trim());
      if (left && right && aliases.includes(left)) found = right;
    }
    if (found === null) {
      parts.push(null);
      continue;
    }
    const value = values[found]?.S;
    if (typeof value !== 'string') return null;
    parts.push(value);
  }
  return parts;
}

/** Every GSI1 partition a DynamoDB request writes, once per write action. */
export function indexWritesOf(operation, json) {
  if (operation === 'PutItem') return indexWritesOfAction(json, 'Put');
  if (operation === 'UpdateItem') return indexWritesOfAction(json, 'Update');
  if (operation === 'DeleteItem') return indexWritesOfAction(json, 'Delete');
  const partitions = [];
  for (const t of json.TransactItems ?? []) {
    if (t.Put) partitions.push(...indexWritesOfAction(t.Put, 'Put'));
    if (t.Update) partitions.push(...indexWritesOfAction(t.Update, 'Update'));
    if (t.Delete) partitions.push(...indexWritesOfAction(t.Delete, 'Delete'));
  }
  for (const table of Object.values(json.RequestItems ?? {})) {
    if (!Array.isArray(table)) continue;
    for (const w of table) {
      if (w.PutRequest) partitions.push(...indexWritesOfAction(w.PutRequest, 'Put'));
      if (w.DeleteRequest) partitions.push(...indexWritesOfAction(w.DeleteRequest, 'Delete'));
    }
  }
  return partitions;
}
