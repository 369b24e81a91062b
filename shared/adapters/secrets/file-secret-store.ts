import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { SecretStore } from '../../ports/secret-store.ts';

/**
 * Local mode's secret store: one JSON file (mode 600) under DATA_DIR. Writes go through a temp file
 * and a rename so a crash never leaves half a file, and are serialised within the process.
 * `access` is the function's secrets grant (infra/wiring.ts): with `read`, a write is refused as
 * Secrets Manager refuses it without secretsmanager:PutSecretValue / DeleteSecret.
 */
/**
 * Each read, write and delete is announced on this channel as the Secrets Manager call it stands
 * for, so that the bench (another thread: each local function runs in a worker) can count and price
 * them as it counts the other services' requests. Nobody listening costs a message dropped.
 */
export const LOCAL_SECRET_CALLS_CHANNEL = 'batch-calls:local-secret-calls';
export type LocalSecretCall = 'GetSecretValue' | 'PutSecretValue' | 'DeleteSecret';

let channel: BroadcastChannel | undefined;
function announce(call: LocalSecretCall): void {
  if (!channel) {
    channel = new BroadcastChannel(LOCAL_SECRET_CALLS_CHANNEL);
    // Must not keep a function's thread (or a test process) alive.
    channel.unref();
  }
  channel.postMessage(call);
}

export function createFileSecretStore(
  path: string,
  options: { access?: 'read' | 'readWrite' } = {},
): SecretStore {
  const writable = (action: string) => {
    if (options.access !== 'read') return;
    const error = new Error(
      `This function is not authorized to perform: secretsmanager:${action} (its secrets access is read; local mode)`,
    );
    error.name = 'AccessDeniedException';
    throw error;
  };
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function load(): Promise<Record<string, Record<string, string>>> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, string>>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  async function save(all: Record<string, Record<string, string>>): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  }

  return {
    put: (ref, values) =>
      serial(async () => {
        writable('PutSecretValue');
        announce('PutSecretValue');
        const all = await load();
        all[ref] = values;
        await save(all);
      }),
    get: (ref) =>
      serial(async () => {
        announce('GetSecretValue');
        return (await load())[ref] ?? null;
      }),
    delete: (ref) =>
      serial(async () => {
        writable('DeleteSecret');
        announce('DeleteSecret');
        const all = await load();
        if (!(ref in all)) return;
        delete all[ref];
        await save(all);
      }),
  };
}
