import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Conversation } from '../../ports/dialer.ts';
import type { TranscriptStore } from '../../ports/transcripts.ts';

export interface S3TranscriptStoreOptions {
  client: S3Client;
  bucket: string;
}

/** Conversations as JSON objects; the bucket's default encryption (SSE-S3 or KMS) applies. */
export function createS3TranscriptStore(options: S3TranscriptStoreOptions): TranscriptStore {
  const { client, bucket } = options;
  return {
    async put(key, conversation) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(conversation),
          ContentType: 'application/json',
        }),
      );
    },
    async get(key) {
      let text: string;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return null;
        text = await out.Body.transformToString('utf-8');
      } catch (error) {
        if (error instanceof NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey')) return null;
        throw error;
      }
      return JSON.parse(text) as Conversation;
    },
  };
}
