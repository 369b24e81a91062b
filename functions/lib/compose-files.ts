import { lazyS3, type S3Access } from '#shared/adapters/s3/s3-client.ts';
import { createS3ExportStore } from '#shared/adapters/s3/s3-export-store.ts';
import { createS3TranscriptStore } from '#shared/adapters/s3/s3-transcript-store.ts';
import { createS3UploadReader, createS3UploadStore } from '#shared/adapters/s3/s3-upload-store.ts';
import { ENV } from '#shared/config/env-names.ts';
import type { RuntimeConfig } from '#shared/config/runtime-config.ts';
import type { ExportStore } from '#shared/ports/exports.ts';
import type { TranscriptStore } from '#shared/ports/transcripts.ts';
import type { UploadStore } from '#shared/ports/uploads.ts';
import { required } from './compose.ts';
import { traceClient } from './tracing.ts';

/** The files bucket's prefixes a function was granted (wiring `transcripts`, `uploads`, `exports`), over one S3 client. */

// Loaded on first use (shared/adapters/s3/s3-client.ts): most invocations touch no file.
let access: S3Access | null = null;
const s3 = () => (access ??= lazyS3({}, (client) => traceClient(client)));

export function composeTranscripts(config: RuntimeConfig): TranscriptStore {
  return createS3TranscriptStore({
    client: s3(),
    bucket: required(config.transcriptsBucket, ENV.transcriptsBucket),
  });
}

export function composeUploads(config: RuntimeConfig): UploadStore {
  return createS3UploadStore({ client: s3(), bucket: required(config.uploadsBucket, ENV.uploadsBucket) });
}

/**
 * Reads uploaded CSVs back (wiring `uploads: 'read'`) and cannot sign one: the create function does
 * not bundle the POST signer.
 */
export function composeUploadReader(config: RuntimeConfig): UploadStore {
  const reader = createS3UploadReader({
    client: s3(),
    bucket: required(config.uploadsBucket, ENV.uploadsBucket),
  });
  return {
    ...reader,
    presign: async () => {
      throw new Error('this function reads uploads and cannot sign them (infra/wiring.ts uploads)');
    },
  };
}

export function composeExports(config: RuntimeConfig): ExportStore {
  return createS3ExportStore({ client: s3(), bucket: required(config.exportsBucket, ENV.exportsBucket) });
}
