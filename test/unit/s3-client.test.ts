import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { lazyS3, s3Access } from '#shared/adapters/s3/s3-client.ts';

describe('the S3 client loaded on first use', () => {
  it('builds one client on the first load and hands the same one to every later load', async () => {
    const access = lazyS3({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    const [first, second] = await Promise.all([access.load(), access.load()]);
    const third = await access.load();
    expect(first.client).toBeInstanceOf(S3Client);
    expect(second.client).toBe(first.client);
    expect(third.client).toBe(first.client);
    expect(typeof first.sdk.PutObjectCommand).toBe('function');
    // An emulator endpoint is addressed by path, as createS3Client does.
    expect(first.client.config.forcePathStyle).toBe(true);
    expect(await first.client.config.region()).toBe('eu-west-1');
  });

  it('passes a client built by the caller through, with the SDK beside it', async () => {
    const client = new S3Client({ region: 'us-east-1' });
    const { sdk, client: loaded } = await s3Access(client).load();
    expect(loaded).toBe(client);
    expect(typeof sdk.GetObjectCommand).toBe('function');
    const access = lazyS3();
    expect(s3Access(access)).toBe(access);
  });
});
