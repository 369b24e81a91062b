import type { CreateBatchInput } from '../contracts/batch.ts';
import { parseRecipientsCsv } from '../contracts/csv-reader.ts';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { LIMITS } from '../domain/limits.ts';
import type { PresignedUpload } from '../ports/uploads.ts';
import type { AppDeps } from './deps.ts';

/** A pre-signed upload is valid this long; an upload not used by a batch is deleted after a day. */
export const UPLOAD_EXPIRES_IN_SECONDS = 15 * 60;

export async function createUpload(
  deps: Pick<AppDeps, 'uploads' | 'clock'>,
  workspaceId: string,
): Promise<PresignedUpload & { uploadId: string; maxBytes: number }> {
  const uploadId = newId('upload', deps.clock().getTime());
  const presigned = await deps.uploads.presign({
    workspaceId,
    uploadId,
    maxBytes: LIMITS.maxCsvBytes,
    expiresInSeconds: UPLOAD_EXPIRES_IN_SECONDS,
  });
  return { ...presigned, uploadId, maxBytes: LIMITS.maxCsvBytes };
}

/** Fills `recipients` from the uploaded CSV, with the same rules (and errors) as a multipart upload. */
export async function readUploadedRecipients(
  deps: Pick<AppDeps, 'uploads'>,
  workspaceId: string,
  input: CreateBatchInput,
): Promise<CreateBatchInput> {
  if (!input.csvUploadId) return input;
  const file = await deps.uploads.open(workspaceId, input.csvUploadId);
  if (!file) {
    throw new ValidationError([
      { path: 'csv_upload_id', message: 'names no uploaded file (never uploaded, or expired after a day)' },
    ]);
  }
  if (file.size > LIMITS.maxCsvBytes) throw new PayloadTooLargeError('csv_file: must be at most 5 MB');
  const recipients = await parseRecipientsCsv(file.body);
  return { ...input, recipients, source: 'csv' };
}
