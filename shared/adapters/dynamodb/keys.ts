import { createHash } from 'node:crypto';

/**
 * Every key of the single table is built here, and only here: no other module concatenates PK/SK
 * strings, so the layout can be read (and changed) in one place. Table shape: ./table-definition.ts.
 *
 * | entity          | PK                        | SK                 | access pattern                                         |
 * |-----------------|---------------------------|--------------------|--------------------------------------------------------|
 * | workspace       | WS#<ws>                   | WS                 | GetItem by workspace id                                |
 * | apiKey          | KEY#<sha256 of the key>   | KEY                | GetItem on every request: key hash → workspace, key id |
 * | apiKeyListing   | WS#<ws>                   | APIKEY#<keyId>     | Query WS#<ws> begins_with APIKEY# (keys of a workspace)|
 * | agent           | WS#<ws>                   | AGENT#<id>         | GetItem; Query begins_with AGENT# (list, paged)        |
 * | phoneNumber     | WS#<ws>                   | PHONE#<id>         | GetItem; Query begins_with PHONE# (list, paged)        |
 * | batch           | WS#<ws>                   | BATCH#<id>         | GetItem; Query begins_with BATCH#, ScanIndexForward    |
 * |                 |                           |                    | false = newest first (ids are ULIDs, sorted by time)   |
 * | recipient       | BATCH#<batchId>           | R#<index, 4 digits>| Query begins_with R#: every recipient in input order   |
 * | idempotency     | IDEM#<ws>#<sha256 of key> | IDEM               | conditional Put (claim), GetItem, TTL on `expiresAt`   |
 * | webhook outbox  | BATCH#<batchId>           | HOOK#<webhook id>  | conditional Put (once per event); Query begins_with    |
 * |                 |                           |                    | HOOK# = a batch's delivery log                         |
 * | pacing          | PACE#<ws>#<phoneNumberId> | PACE               | the caller number's next free dial slot (token bucket) |
 * | call index      | CALL#<provider>#<call id> | CALL               | provider callback without our ref → recipient          |
 * | batch creation  | BATCH#<batchId>           | CREATING           | a create in progress: its recipients may exist before  |
 * |                 |                           |                    | the batch; removed when the batch is stored or undone  |
 * | due recipient   | BATCH#<batchId>           | DUE#<due ms, 13 d>#| a waiting recipient (retry, calling window, pause):    |
 * |                 |                           | <index, 4 digits>  | Query SK <= DUE#<now> Limit 1 = the earliest one due   |
 * | suppression     | SUP#<ws>#<E.164 phone>    | SUP                | "is this phone suppressed in W?": one GetItem, one key |
 * |                 |                           |                    | of a BatchGetItem at create, a ConditionCheck in the   |
 * |                 |                           |                    | dial claim; TTL on `expiresAt` (plus a read-time check)|
 * | live event      | BATCH#<batchId>           | EV#<id, 16 digits> | one per recipient change, put by the change's own      |
 * |                 |                           |                    | transaction; id = time stamp × 10^4 + index. Query SK  |
 * |                 |                           |                    | in (last id sent, settled id] = a batch's new events   |
 * |                 |                           |                    | (live progress); TTL on `expiresAt`                    |
 * | suppression     | WS#<ws>                   | SUP#<id>           | GetItem by id; Query begins_with SUP# (list, paged, in |
 * |   listing       |                           |                    | creation order); a copy of the entry, written and      |
 * |                 |                           |                    | deleted with it in one transaction                     |
 * | lease           | LEASE#<job name>          | LEASE              | one runner of a recurring job at a time (conditional   |
 * |                 |                           |                    | put; expires on its own if the holder dies)            |
 * | contact history | CONTACT#<ws>#<E.164 phone>| CONTACT            | a phone's recent attempts across batches (contact      |
 * |                 |                           |                    | limit): written by every dial claim's transaction,     |
 * |                 |                           |                    | read before a claim under a limit; TTL on `expiresAt`  |
 * | webhook endpoint| HOOKEP#<ws>#<agentId>     | HOOKEP             | the circuit breaker of an agent's webhook URL: read in |
 * |                 |                           |                    | every delivery's BatchGetItem, written when it changes |
 *
 * Sparse index GSI1 (only items that carry GSI1PK are in it; KEYS_ONLY):
 * | GSI1PK       | GSI1SK                          | what                                                |
 * |--------------|---------------------------------|-----------------------------------------------------|
 * | ACTIVE       | <attention time>#<batch id>     | batches not finished; the sweeper reads those whose |
 * |              |                                 | attention time is its delay ago (SK <= now − delay):|
 * |              |                                 | progress moves it on, a look moves a healthy one to |
 * |              |                                 | its next stuck check (shared/app/run/attention.ts)  |
 * | HOOKDUE#<n>  | <next attempt>#<batch>#<hook id>| webhook deliveries not done, by next attempt; n =   |
 * |              |                                 | hash of the hook id mod HOOKDUE_SHARDS (16): the    |
 * |              |                                 | sweeper queries every shard, SK <= now − grace      |
 * | CREATING     | <started at>#<ws>#<batch id>    | batch creations in progress; an old one was         |
 * |              |                                 | abandoned (sweeper)                                 |
 *
 * The API key lookup and listing items are written, and revoked, together in one transaction.
 * Ids come from shared/domain/ids.ts; a segment holding `#` (or empty) is refused so a crafted id
 * can never reach into another namespace.
 */

// A type alias (not an interface) so a key is assignable where the SDK wants a plain record.
export type TableKey = {
  PK: string;
  SK: string;
};

/** The `entity` attribute every item carries: a type discriminator for streams and debugging. */
export const ENTITY = {
  workspace: 'workspace',
  apiKey: 'apiKey',
  apiKeyListing: 'apiKeyListing',
  agent: 'agent',
  phoneNumber: 'phoneNumber',
  batch: 'batch',
  recipient: 'recipient',
  idempotency: 'idempotency',
  webhook: 'webhook',
  pacing: 'pacing',
  callIndex: 'callIndex',
  batchCreation: 'batchCreation',
  due: 'due',
  suppression: 'suppression',
  suppressionListing: 'suppressionListing',
  contactHistory: 'contactHistory',
  lease: 'lease',
  webhookEndpoint: 'webhookEndpoint',
  liveEvent: 'liveEvent',
} as const;

export type Entity = (typeof ENTITY)[keyof typeof ENTITY];

/** Sort-key prefixes of the item kinds that share a partition and are listed with begins_with. */
export const SK_PREFIX = {
  apiKeyListing: 'APIKEY#',
  agent: 'AGENT#',
  phoneNumber: 'PHONE#',
  batch: 'BATCH#',
  recipient: 'R#',
  webhook: 'HOOK#',
  due: 'DUE#',
  suppression: 'SUP#',
  liveEvent: 'EV#',
} as const;

/** Zero padding of a live event id: 16 digits hold every id (shared/domain/live-events.ts) below 2^53. */
const EVENT_ID_DIGITS = 16;

/** Zero padding of a due time (ms since the epoch): 13 digits hold every date until the year 2286. */
const DUE_TIME_DIGITS = 13;

/** Zero padding of the recipient index: 4 digits cover LIMITS.maxRecipients (1,000). */
export const RECIPIENT_INDEX_DIGITS = 4;
const MAX_RECIPIENT_INDEX = 10 ** RECIPIENT_INDEX_DIGITS - 1;

function segment(name: string, value: string): string {
  if (value.length === 0 || value.includes('#')) {
    throw new Error(`Invalid ${name} for a table key: must be non-empty and contain no "#"`);
  }
  return value;
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function workspacePartition(workspaceId: string): string {
  return `WS#${segment('workspace id', workspaceId)}`;
}

export function recipientPartition(batchId: string): string {
  return `BATCH#${segment('batch id', batchId)}`;
}

export function padRecipientIndex(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_RECIPIENT_INDEX) {
    throw new Error(`Invalid recipient index ${index}: must be an integer from 0 to ${MAX_RECIPIENT_INDEX}`);
  }
  return String(index).padStart(RECIPIENT_INDEX_DIGITS, '0');
}

export const keys = {
  workspace(workspaceId: string): TableKey {
    return { PK: workspacePartition(workspaceId), SK: 'WS' };
  },

  /** `keyHash` is the hex SHA-256 of the API key (shared/domain/api-key.ts hashApiKey). */
  apiKeyLookup(keyHash: string): TableKey {
    return { PK: `KEY#${segment('key hash', keyHash)}`, SK: 'KEY' };
  },

  apiKeyListing(workspaceId: string, keyId: string): TableKey {
    return {
      PK: workspacePartition(workspaceId),
      SK: `${SK_PREFIX.apiKeyListing}${segment('key id', keyId)}`,
    };
  },

  agent(workspaceId: string, agentId: string): TableKey {
    return { PK: workspacePartition(workspaceId), SK: `${SK_PREFIX.agent}${segment('agent id', agentId)}` };
  },

  phoneNumber(workspaceId: string, phoneNumberId: string): TableKey {
    return {
      PK: workspacePartition(workspaceId),
      SK: `${SK_PREFIX.phoneNumber}${segment('phone number id', phoneNumberId)}`,
    };
  },

  batch(workspaceId: string, batchId: string): TableKey {
    return { PK: workspacePartition(workspaceId), SK: `${SK_PREFIX.batch}${segment('batch id', batchId)}` };
  },

  /** Marks a create in progress (see ./entities/batch-creation.ts). */
  batchCreation(batchId: string): TableKey {
    return { PK: recipientPartition(batchId), SK: 'CREATING' };
  },

  recipient(batchId: string, index: number): TableKey {
    return { PK: recipientPartition(batchId), SK: `${SK_PREFIX.recipient}${padRecipientIndex(index)}` };
  },

  /**
   * The client's Idempotency-Key is free text (up to 255 characters, any of them): it is hashed so it
   * can hold `#` and still stay one fixed-length key segment.
   */
  idempotency(workspaceId: string, idempotencyKey: string): TableKey {
    return { PK: `IDEM#${segment('workspace id', workspaceId)}#${sha256(idempotencyKey)}`, SK: 'IDEM' };
  },

  /**
   * The entry that decides whether `phone` (E.164) may be dialed in the workspace: one key, so the
   * dial claim can check it inside its transaction (see ./entities/suppression.ts).
   */
  suppression(workspaceId: string, phone: string): TableKey {
    return { PK: `SUP#${segment('workspace id', workspaceId)}#${segment('phone', phone)}`, SK: 'SUP' };
  },

  /** The same entry under its workspace, by id: lists it in creation order and finds it by id. */
  suppressionListing(workspaceId: string, suppressionId: string): TableKey {
    return {
      PK: workspacePartition(workspaceId),
      SK: `${SK_PREFIX.suppression}${segment('suppression id', suppressionId)}`,
    };
  },
} as const;

/** Keys of the run-time items (running batches: pacing, callbacks, webhooks). */
export const runKeys = {
  /** A lease held by one runner of a recurring job at a time (the sweeper): see ./entities/lease.ts. */
  lease(name: string): TableKey {
    return { PK: `LEASE#${segment('lease name', name)}`, SK: 'LEASE' };
  },

  outbox(batchId: string, webhookId: string): TableKey {
    return { PK: recipientPartition(batchId), SK: `${SK_PREFIX.webhook}${segment('webhook id', webhookId)}` };
  },

  /** The circuit breaker of an agent's webhook endpoint: see ./entities/webhook-endpoint.ts. */
  webhookEndpoint(workspaceId: string, agentId: string): TableKey {
    return {
      PK: `HOOKEP#${segment('workspace id', workspaceId)}#${segment('agent id', agentId)}`,
      SK: 'HOOKEP',
    };
  },

  pacing(workspaceId: string, phoneNumberId: string): TableKey {
    return {
      PK: `PACE#${segment('workspace id', workspaceId)}#${segment('phone number id', phoneNumberId)}`,
      SK: 'PACE',
    };
  },

  /** A phone's recent call attempts in a workspace (the contact limit): see ./entities/contact.ts. */
  contact(workspaceId: string, phone: string): TableKey {
    return {
      PK: `CONTACT#${segment('workspace id', workspaceId)}#${segment('phone', phone)}`,
      SK: 'CONTACT',
    };
  },

  callIndex(provider: string, providerCallId: string): TableKey {
    return { PK: `CALL#${segment('provider', provider)}#${sha256(providerCallId)}`, SK: 'CALL' };
  },

  /** One entry of a batch's live event log (./entities/live-events.ts). */
  liveEvent(batchId: string, id: number): TableKey {
    return { PK: recipientPartition(batchId), SK: liveEventSortKey(id) };
  },

  /** A waiting recipient, sorted by when it is due (then by index): see ./entities/due.ts. */
  due(batchId: string, dueAtMs: number, index: number): TableKey {
    return { PK: recipientPartition(batchId), SK: dueSortKey(dueAtMs, index) };
  },
} as const;

export function liveEventSortKey(id: number): string {
  if (!Number.isSafeInteger(id) || id < 0 || String(id).length > EVENT_ID_DIGITS) {
    throw new Error(`Invalid live event id ${id}`);
  }
  return `${SK_PREFIX.liveEvent}${String(id).padStart(EVENT_ID_DIGITS, '0')}`;
}

/** The id a live event's sort key holds. */
export function parseLiveEventSortKey(sk: unknown): number | null {
  const digits = afterPrefix(sk, SK_PREFIX.liveEvent);
  return digits !== null && /^\d+$/.test(digits) ? Number(digits) : null;
}

export function dueSortKey(dueAtMs: number, index: number): string {
  if (!Number.isSafeInteger(dueAtMs) || dueAtMs < 0 || String(dueAtMs).length > DUE_TIME_DIGITS) {
    throw new Error(`Invalid due time ${dueAtMs}`);
  }
  return `${SK_PREFIX.due}${String(dueAtMs).padStart(DUE_TIME_DIGITS, '0')}#${padRecipientIndex(index)}`;
}

/** The largest due sort key of the instant `nowMs`: every recipient due by then sorts at or before it. */
export function dueUpTo(nowMs: number): string {
  return `${SK_PREFIX.due}${String(Math.max(0, Math.floor(nowMs))).padStart(DUE_TIME_DIGITS, '0')}#~`;
}

export type ActiveIndexAttributes = { GSI1PK: string; GSI1SK: string };

/**
 * Shards of the due-webhook index partition. Every event written puts its delivery in the index and
 * its delivery takes it out (a retry moves it: a delete and a put), so one delivery is 2–4 index
 * writes of one unit each (keys only). One index partition takes about 1,000 write units/s, so a
 * single `HOOKDUE` partition tops out near 250–500 events/s — and a throttled index throttles the
 * table writes that feed it. 16 shards spread them (≈ 4,000–8,000 events/s); the sweeper reads all
 * 16 in parallel, each only up to its due time (16 small queries a minute cost nothing that matters).
 * No unsharded `HOOKDUE` item needs reading: no stack had stored any when the shards came.
 */
export const HOOKDUE_SHARDS = 16;

/** The shard of a delivery: its webhook id hashed, so writes spread evenly whatever the ids look like. */
export function hookDueShard(webhookId: string): number {
  return createHash('sha256').update(webhookId, 'utf8').digest().readUInt32BE(0) % HOOKDUE_SHARDS;
}

/** Values of the sparse GSI1 (see the table above). */
export const gsi = {
  ACTIVE: 'ACTIVE',
  /** Every partition of the due-webhook index, one per shard. */
  hookDuePartitions(): string[] {
    return Array.from({ length: HOOKDUE_SHARDS }, (_, shard) => `HOOKDUE#${shard}`);
  },
  CREATING: 'CREATING',
  batchCreation(startedAt: string, workspaceId: string, batchId: string): ActiveIndexAttributes {
    return {
      GSI1PK: 'CREATING',
      GSI1SK: `${startedAt}#${segment('workspace id', workspaceId)}#${segment('batch id', batchId)}`,
    };
  },
  activeBatch(attentionAt: string, batchId: string): ActiveIndexAttributes {
    return { GSI1PK: 'ACTIVE', GSI1SK: `${attentionAt}#${segment('batch id', batchId)}` };
  },
  dueWebhook(nextAttemptAt: string, batchId: string, webhookId: string): ActiveIndexAttributes {
    return {
      GSI1PK: `HOOKDUE#${hookDueShard(webhookId)}`,
      GSI1SK: `${nextAttemptAt}#${segment('batch id', batchId)}#${segment('webhook id', webhookId)}`,
    };
  },
} as const;

/**
 * Keys read back (the sweeper's index queries answer keys only). The inverse of the builders above,
 * here so no other module splits key strings.
 */
function afterPrefix(value: unknown, prefix: string): string | null {
  return typeof value === 'string' && value.startsWith(prefix) && value.length > prefix.length
    ? value.slice(prefix.length)
    : null;
}

function unexpectedKey(what: string, key: Record<string, unknown>): Error {
  return new Error(`Not a ${what} key: ${String(key.PK)}/${String(key.SK)}`);
}

/** The workspace and batch of a batch item's key (WS#<ws> / BATCH#<id>). */
export function parseBatchKey(key: Record<string, unknown>): { workspaceId: string; batchId: string } {
  const workspaceId = afterPrefix(key.PK, 'WS#');
  const batchId = afterPrefix(key.SK, SK_PREFIX.batch);
  if (workspaceId === null || batchId === null) throw unexpectedKey('batch', key);
  return { workspaceId, batchId };
}

/** The batch and webhook id of an outbox item's key (BATCH#<id> / HOOK#<webhook id>). */
export function parseOutboxKey(key: Record<string, unknown>): { batchId: string; webhookId: string } {
  const batchId = afterPrefix(key.PK, 'BATCH#');
  const webhookId = afterPrefix(key.SK, SK_PREFIX.webhook);
  if (batchId === null || webhookId === null) throw unexpectedKey('webhook outbox', key);
  return { batchId, webhookId };
}

/** The batch a creation marker's GSI1 sort key names (<started at>#<ws>#<batch id>); null for another shape. */
export function parseCreationIndexKey(
  key: Record<string, unknown>,
): { workspaceId: string; batchId: string } | null {
  const [, workspaceId, batchId] = String(key.GSI1SK).split('#');
  return workspaceId && batchId ? { workspaceId, batchId } : null;
}
