import type { BatchObject } from '../../../shared/contracts/batch-objects.ts';
import { ApiError } from './api-error.ts';
import { type S3Transport, uploadToS3 } from './csv-upload.ts';
import type { CreateBatchBase, CreateBatchCsvFields, CreateBatchJsonBody, UploadTicket } from './types.ts';

/**
 * Creates a batch from a CSV file: the file goes to S3 with a pre-signed POST (`POST /v1/uploads`),
 * then `POST /v1/agents/batch-calls` names it with `csv_upload_id`. An API without uploads (404, an
 * older deployment) gets the file as a multipart body instead.
 *
 * Retries are safe and cheap. The Idempotency-Key follows the create request: the same fields and
 * the same upload are the same key, so a retry after a lost answer can never start a second batch.
 * The upload is kept for the next attempt with the same file (name, size, modification time), so a
 * retry after a failed create does not send the file again; only when the API no longer knows the
 * upload (unused uploads are deleted after a day) is it sent once more, under a new key, since a
 * create that named the old upload cannot have succeeded.
 */

export type CsvSendPhase =
  | { step: 'uploading'; sent: number; total: number }
  /** The create request is on its way (after the upload, or at once when none is needed). */
  | { step: 'creating' };

/** The parts of ApiClient this needs. */
export interface CsvBatchApi {
  createUpload(): Promise<UploadTicket>;
  createBatchJson(body: CreateBatchJsonBody, idempotencyKey: string): Promise<BatchObject>;
  createBatchCsv(fields: CreateBatchCsvFields, file: File, idempotencyKey: string): Promise<BatchObject>;
}

export interface CsvBatchSenderOptions {
  /** How the file reaches S3 (./xhr-transport.ts in the browser). */
  transport: S3Transport;
  newKey?: () => string;
}

export class CsvBatchSender {
  private uploaded: { file: string; uploadId: string } | null = null;
  private uploadsMissing = false;
  private lastAttempt: { fingerprint: string; key: string } | null = null;
  private readonly transport: S3Transport;
  private readonly newKey: () => string;

  constructor(
    private readonly api: CsvBatchApi,
    options: CsvBatchSenderOptions,
  ) {
    this.transport = options.transport;
    this.newKey = options.newKey ?? (() => crypto.randomUUID());
  }

  /** Uploads (unless this file is uploaded already) and creates the batch. Throws ApiError or UploadError. */
  async send(
    body: CreateBatchBase,
    file: File,
    onPhase: (phase: CsvSendPhase) => void = () => undefined,
  ): Promise<BatchObject> {
    const fileId = fileIdentity(file);
    while (!this.uploadsMissing) {
      const kept = this.uploaded?.file === fileId ? this.uploaded.uploadId : null;
      const uploadId = kept ?? (await this.uploadFile(file, fileId, onPhase));
      if (uploadId === null) break;
      onPhase({ step: 'creating' });
      const json: CreateBatchJsonBody = { ...body, csv_upload_id: uploadId };
      try {
        return await this.api.createBatchJson(json, this.keyFor(JSON.stringify(['upload', json])));
      } catch (error) {
        // A fresh upload that is unknown is a real error; a kept one may have expired: send it again.
        if (kept === null || !namesUpload(error)) throw error;
        this.uploaded = null;
      }
    }
    onPhase({ step: 'creating' });
    const fields = formFields(body);
    return this.api.createBatchCsv(fields, file, this.keyFor(JSON.stringify(['multipart', fields, fileId])));
  }

  /** The new upload's id, or null when the API has no uploads. */
  private async uploadFile(
    file: File,
    fileId: string,
    onPhase: (phase: CsvSendPhase) => void,
  ): Promise<string | null> {
    onPhase({ step: 'uploading', sent: 0, total: file.size });
    let ticket: UploadTicket;
    try {
      ticket = await this.api.createUpload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.uploadsMissing = true;
        return null;
      }
      throw error;
    }
    await uploadToS3(ticket, file, {
      transport: this.transport,
      onProgress: (sent, total) => onPhase({ step: 'uploading', sent, total }),
    });
    this.uploaded = { file: fileId, uploadId: ticket.upload_id };
    return ticket.upload_id;
  }

  private keyFor(fingerprint: string): string {
    if (this.lastAttempt?.fingerprint !== fingerprint) this.lastAttempt = { fingerprint, key: this.newKey() };
    return this.lastAttempt.key;
  }
}

/** A file chosen again unchanged is the same file; an edited one (new size or time) is not. */
function fileIdentity(file: File): string {
  return JSON.stringify([file.name, file.size, file.lastModified, file.type]);
}

function namesUpload(error: unknown): boolean {
  return error instanceof ApiError && error.fields.some((f) => f.path === 'csv_upload_id');
}

/**
 * The multipart text fields: every value a string, as a form sends it; an object (`retry`,
 * `calling_window`) as its JSON text, as the contract has it.
 */
export function formFields(body: CreateBatchBase): CreateBatchCsvFields {
  const fields: CreateBatchCsvFields = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    fields[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  }
  return fields;
}
