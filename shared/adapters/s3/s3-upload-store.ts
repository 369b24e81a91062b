import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { uploadKey, type UploadStore } from '../../ports/uploads.ts';

/**
 * CSV uploads in the files bucket. The POST policy caps the size (`content-length-range`) and pins
 * the key, so a signed form can upload exactly one file of at most `maxBytes` to exactly one place;
 * the reader checks the size again (an emulator may not enforce policies).
 */
export function createS3UploadStore(options: {
  client: S3Client;
  bucket: string;
  clock?: () => Date;
}): UploadStore {
  const { client, bucket } = options;
  const clock = options.clock ?? (() => new Date());
  return {
    ...createS3UploadReader(options),
    async presign({ workspaceId, uploadId, maxBytes, expiresInSeconds }) {
      const key = uploadKey(workspaceId, uploadId);
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
  client: S3Client;
  bucket: string;
}): Pick<UploadStore, 'open'> {
  const { client, bucket } = options;
  return {
    async open(workspaceId, uploadId) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: uploadKey(workspaceId, uploadId) }),
        );
        if (!out.Body) return null;
        return { size: out.ContentLength ?? 0, body: out.Body as AsyncIterable<Uint8Array> };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
  };
}
