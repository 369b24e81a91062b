import { beforeAll } from 'vitest';
import { createDynamoStore } from '#shared/adapters/dynamodb/dynamo-store.ts';
import { createDynamoRunStore } from '#shared/adapters/dynamodb/run-store.ts';
import { createWorkspaceWithKey } from '#shared/app/workspaces.ts';
import type { Batch } from '#shared/domain/batch.ts';
import type { Recipient } from '#shared/domain/recipient.ts';
import type { RunStore } from '#shared/ports/run-store.ts';
import type { Store } from '#shared/ports/store.ts';
import { batchFixture, recipientFixture } from './domain-fixtures.ts';
import { useLocalTable, type LocalTable } from './local-table.ts';

export interface RunStores {
  table: LocalTable;
  store: Store;
  run: RunStore;
  /** Another container's run store: its own memory of numbers' pacing and workspaces' shards. */
  container(): RunStore;
}

/**
 * A run-store test file's table on DynamoDB Local with the service's two stores on it. The table
 * exists only once the file's `beforeAll` has started it, so the stores are built then; `store` and
 * `run` are handed out at once as forwarders to them, so a file names them at its top like any other
 * constant (`const { store, run } = useRunStores(...)`) and uses them in its tests and hooks.
 */
export function useRunStores(tableName: string): RunStores {
  const table = useLocalTable(tableName);
  const container = () => createDynamoRunStore({ client: table.doc, tableName });
  let built: { store: Store; run: RunStore } | undefined;
  beforeAll(() => {
    built = { store: createDynamoStore({ client: table.doc, tableName }), run: container() };
  });
  return {
    table,
    store: forwarding('store', () => built?.store),
    run: forwarding('run', () => built?.run),
    container,
  };
}

/** An object whose every property is read from `current()` when it is read. */
function forwarding<T extends object>(name: string, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (!value) throw new Error(`${name} is built in beforeAll: use it in a test or a hook after it`);
    return value;
  };
  return new Proxy({} as T, {
    get: (_, prop) => Reflect.get(target(), prop),
    has: (_, prop) => Reflect.has(target(), prop),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, prop) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), prop);
      // A proxy may not report a property its (empty) target lacks as non-configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

/** A claim of a batch without a contact limit: it records its attempt, unread and unconditioned. */
export const NO_LIMIT = { attemptKey: 'rcp_test:1', guard: null };

/** The call reference of a recipient's attempt (its first unless given). */
export const callRef = (workspaceId: string, batchId: string, recipientIndex: number, attempt = 1) => ({
  workspaceId,
  batchId,
  recipientIndex,
  attempt,
});

export interface StoredBatch {
  workspaceId: string;
  batchId: string;
  recipients: Recipient[];
}

/**
 * A batch of `total` fresh recipients stored as create leaves it (pending, never started), in a new
 * workspace unless one is given. `batch` overrides the fixture's fields, `recipient` each recipient's.
 */
export async function storeBatch(
  store: Store,
  options: {
    total: number;
    workspaceId?: string;
    batch?: Partial<Batch>;
    recipient?: (index: number) => Partial<Recipient>;
  },
): Promise<StoredBatch> {
  const workspaceId =
    options.workspaceId ?? (await createWorkspaceWithKey(store, { name: 'run store test' })).workspace.id;
  const batch = batchFixture(workspaceId, { totalRecipients: options.total, ...options.batch });
  const recipients = Array.from({ length: options.total }, (_, index) =>
    recipientFixture({ batchId: batch.id, workspaceId }, { index, ...options.recipient?.(index) }),
  );
  await store.createBatch(batch, recipients);
  return { workspaceId, batchId: batch.id, recipients };
}

/** Started with `window` dial turns, and the first `window` recipients' messages sent (dispatched). */
export async function startDispatched(
  run: RunStore,
  batch: Pick<StoredBatch, 'workspaceId' | 'batchId'>,
  window: number,
  now: string,
): Promise<void> {
  await run.startBatch(batch.workspaceId, batch.batchId, window, now);
  await run.markDispatched(
    batch.batchId,
    Array.from({ length: window }, (_, index) => index),
    now,
  );
}
