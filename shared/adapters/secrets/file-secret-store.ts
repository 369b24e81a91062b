import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretStore } from '../../ports/secret-store.ts';

/**
 * Local mode's secret store: one JSON file (mode 600) under DATA_DIR. Writes go through a temp file
 * and a rename so a crash never leaves half a file, and are serialised within the process.
 */
export function createFileSecretStore(path: string): SecretStore {
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
        const all = await load();
        all[ref] = values;
        await save(all);
      }),
    get: (ref) => serial(async () => (await load())[ref] ?? null),
    delete: (ref) =>
      serial(async () => {
        const all = await load();
        if (!(ref in all)) return;
        delete all[ref];
        await save(all);
      }),
  };
}
