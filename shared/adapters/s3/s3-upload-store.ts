import type { S3Client } from '@aws-sdk/client-s3';
import { uploadKey, type UploadStore } from '../../ports/uploads.ts';
import { cjsExports, s3Access, type S3Access } from './s3-client.ts';

/**
 * CSV uploads in the files bucket. The POST policy caps the size (`content-length-range`) and pins
 * the key, so a signed form can upload exactly one file of at most `maxBytes` to exactly one place;
 * the reader checks the size again (an emulator may not enforce policies).
 */
export function createS3UploadStore(options: {
  client: S3Client | S3Access;
  bucket: string;
  clock?: () => Date;
}): UploadStore {
  const { bucket } = options;
  const s3 = s3Access(options.client);
  const clock = options.clock ?? (() => new Date());
  return {
    ...createS3UploadReader(options),
    async presign({ workspaceId, uploadId, maxBytes, expiresInSeconds }) {
      const key = uploadKey(workspaceId, uploadId);
      const { client } = await s3.load();
      // On first use, as the S3 client itself (s3-client.ts): the signer imports the S3 SDK.
      const { createPresignedPost } = await loadPresigner();
      const { url, fields } = await createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Conditions: [
          ['content-length-range', 1, maxBytes],
          ['eq', '$key', key],
        ],
        Fields: { 'Content-Type': 'text/csv' },
        Expires: expiresInSeconds,
      });
      return { url, fields, expiresAt: new Date(clock().getTime() + expiresInSeconds * 1000).toISOString() };
    },
  };
}

/**
 * The reading half alone, for a function that reads uploads but never signs one (the create
 * function): it does not bundle the POST signer.
 */
export function createS3UploadReader(options: {
  client: S3Client | S3Access;
  bucket: string;
}): Pick<UploadStore, 'open'> {
  const { bucket } = options;
  const s3 = s3Access(options.client);
  return {
    async open(workspaceId, uploadId) {
      const { sdk, client } = await s3.load();
      try {
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: bucket, Key: uploadKey(workspaceId, uploadId) }),
        );
        if (!out.Body) return null;
        return { size: out.ContentLength ?? 0, body: out.Body as AsyncIterable<Uint8Array> };
      } catch (error) {
        if (error instanceof sdk.NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
  };
}

/** The POST pre-signer, loaded on the first signature. */
async function loadPresigner(): Promise<typeof import('@aws-sdk/s3-presigned-post')> {
  return cjsExports(await import('@aws-sdk/s3-presigned-post'), 'createPresignedPost');
}
