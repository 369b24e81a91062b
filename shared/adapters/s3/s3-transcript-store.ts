import type { S3Client } from '@aws-sdk/client-s3';
import type { Conversation } from '../../ports/dialer.ts';
import type { TranscriptStore } from '../../ports/transcripts.ts';
import { s3Access, type S3Access } from './s3-client.ts';

export interface S3TranscriptStoreOptions {
  /** A client, or access that loads the SDK on first use (./s3-client.ts). */
  client: S3Client | S3Access;
  bucket: string;
}

/** Conversations as JSON objects; the bucket's default encryption (SSE-S3 or KMS) applies. */
export function createS3TranscriptStore(options: S3TranscriptStoreOptions): TranscriptStore {
  const { bucket } = options;
  const s3 = s3Access(options.client);
  return {
    async put(key, conversation) {
      const { sdk, client } = await s3.load();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(conversation),
          ContentType: 'application/json',
        }),
      );
    },
    async get(key) {
      const { sdk, client } = await s3.load();
      let text: string;
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return null;
        text = await out.Body.transformToString('utf-8');
      } catch (error) {
        if (error instanceof sdk.NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey'))
          return null;
        throw error;
      }
      return JSON.parse(text) as Conversation;
    },
  };
}
