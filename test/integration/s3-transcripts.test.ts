import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#shared/adapters/aws-clients.ts';
import { createS3TranscriptStore } from '#shared/adapters/s3/s3-transcript-store.ts';
import type { Conversation } from '#shared/ports/dialer.ts';
import { transcriptKey } from '#shared/ports/transcripts.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { startS3Emulator, type S3Emulator } from '#infra/local/emulators/s3-emulator.ts';

/** The transcript store against s3rver, signed with the local dummy credentials the functions use. */

const BUCKET = 'batch-calls-transcripts';
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-calls-s3-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(directory?: string): Promise<{ s3: S3Emulator; client: S3Client }> {
  const s3 = await startS3Emulator({ bucket: BUCKET, ...(directory ? { directory } : {}) });
  cleanups.push(() => s3.stop());
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: LOCAL_SDK_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  cleanups.push(() => client.destroy());
  return { s3, client };
}

const conversation: Conversation = {
  transcript: [
    { role: 'agent', message: 'Hi Zoë, this is a reminder — May 5th at 2pm.', time_in_call_secs: 0 },
    { role: 'user', message: 'Thanks! 👍', time_in_call_secs: 4.5 },
  ],
  evaluations: [{ id: 'confirmed', result: 'success', rationale: 'The user confirmed.' }],
  dataCollection: {
    confirmed: { value: true, rationale: 'Said thanks.' },
    count: { value: 2, rationale: '' },
  },
  recordingUrl: null,
};

describe('S3 transcript store', () => {
  it('stores a conversation as JSON and reads it back unchanged', async () => {
    const { client } = await start();
    const store = createS3TranscriptStore({ client, bucket: BUCKET });
    const key = transcriptKey('ws_1', 'batch_1', 'rcp_1');
    await store.put(key, conversation);
    expect(await store.get(key)).toEqual(conversation);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).toBe('application/json');
    // Stored as the JSON itself, not in aws-chunked framing.
    expect(head.ContentLength).toBe(Buffer.byteLength(JSON.stringify(conversation)));
  });

  it('answers null for a transcript that does not exist', async () => {
    const { client } = await start();
    const store = createS3TranscriptStore({ client, bucket: BUCKET });
    expect(await store.get(transcriptKey('ws_1', 'batch_1', 'missing'))).toBeNull();
  });

  it('overwrites a transcript written twice (a duplicate callback)', async () => {
    const { client } = await start();
    const store = createS3TranscriptStore({ client, bucket: BUCKET });
    const key = transcriptKey('ws_1', 'batch_1', 'rcp_2');
    await store.put(key, { ...conversation, recordingUrl: 'https://example.com/1' });
    await store.put(key, conversation);
    expect(await store.get(key)).toEqual(conversation);
  });

  it('keeps objects across a restart on the same directory', async () => {
    const directory = join(dir, 's3');
    const first = await start(directory);
    const key = transcriptKey('ws_1', 'batch_2', 'rcp_1');
    await createS3TranscriptStore({ client: first.client, bucket: BUCKET }).put(key, conversation);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();

    const second = await start(directory);
    expect(await createS3TranscriptStore({ client: second.client, bucket: BUCKET }).get(key)).toEqual(
      conversation,
    );
  });

  it('reaches the emulator through AWS_ENDPOINT_URL_S3 alone, as the functions do', async () => {
    const { s3 } = await start();
    const saved = { ...process.env };
    cleanups.push(() => {
      process.env = saved;
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: LOCAL_SDK_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    const client = createS3Client();
    cleanups.push(() => client.destroy());
    const store = createS3TranscriptStore({ client, bucket: BUCKET });
    const key = transcriptKey('ws_2', 'batch_3', 'rcp_1');
    await store.put(key, conversation);
    expect(await store.get(key)).toEqual(conversation);
  });
});
