import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFileSecretStore } from '#shared/adapters/secrets/file-secret-store.ts';

/**
 * Local mode's stand-in for Secrets Manager enforces a function's secrets grant: with `read` (the
 * dial, provider-events and sweeper functions) it reads, and refuses writes as Secrets Manager would.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-calls-secrets-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('a read-only store reads what a read-write one wrote, and refuses put and delete', async () => {
  const file = join(dir, 'secrets.json');
  await createFileSecretStore(file, { access: 'readWrite' }).put('batch-calls/ws/pn', { api_key: 'k' });
  const reader = createFileSecretStore(file, { access: 'read' });
  expect(await reader.get('batch-calls/ws/pn')).toEqual({ api_key: 'k' });
  await expect(reader.put('batch-calls/ws/pn', { api_key: 'x' })).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: expect.stringContaining('secretsmanager:PutSecretValue') as unknown,
  });
  await expect(reader.delete('batch-calls/ws/pn')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect(await reader.get('batch-calls/ws/pn')).toEqual({ api_key: 'k' });
});
