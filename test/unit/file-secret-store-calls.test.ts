import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createFileSecretStore,
  LOCAL_SECRET_CALLS_CHANNEL,
  type LocalSecretCall,
} from '#shared/adapters/secrets/file-secret-store.ts';
import { sleep, until } from '../helpers/wait.ts';

/**
 * The bench prices Secrets Manager from the calls local mode's file store announces (one per read,
 * write and delete, as the API call it stands for); a write the grant refuses is no call.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-calls-secrets-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('announces each call it makes as the Secrets Manager call, and none it refuses', async () => {
  const heard: LocalSecretCall[] = [];
  const channel = new BroadcastChannel(LOCAL_SECRET_CALLS_CHANNEL);
  channel.onmessage = (message) => heard.push((message as { data: LocalSecretCall }).data);
  try {
    const file = join(dir, 'secrets.json');
    const writer = createFileSecretStore(file, { access: 'readWrite' });
    await writer.put('batch-calls/ws/pn', { api_key: 'k' });
    const reader = createFileSecretStore(file, { access: 'read' });
    await reader.get('batch-calls/ws/pn');
    await reader.get('batch-calls/ws/other');
    await expect(reader.delete('batch-calls/ws/pn')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await writer.delete('batch-calls/ws/pn');
    await until(() => heard.length >= 4, 5_000, 'four announced calls');
    // A late stray message would show here.
    await sleep(50);
    expect(heard).toEqual(['PutSecretValue', 'GetSecretValue', 'GetSecretValue', 'DeleteSecret']);
  } finally {
    channel.close();
  }
});
