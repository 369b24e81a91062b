/**
 * Large CSVs go straight to S3 with a pre-signed POST (API Gateway base64-encodes a multipart body
 * and Lambda takes at most 6 MB, so a 5 MB CSV cannot arrive as a request body). The create request
 * then names the upload, and the API reads it from S3 with the very same CSV rules.
 */
export interface PresignedUpload {
  url: string;
  /** Form fields to send before the file (policy, signature, key, …). */
  fields: Record<string, string>;
  expiresAt: string;
}

export interface UploadStore {
  presign(input: {
    workspaceId: string;
    uploadId: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedUpload>;
  /** The uploaded file, or null when there is none (never uploaded, or expired and deleted). */
  open(
    workspaceId: string,
    uploadId: string,
  ): Promise<{ size: number; body: AsyncIterable<Uint8Array> } | null>;
}

/** Uploads are per workspace: another workspace's upload id finds nothing. */
export function uploadKey(workspaceId: string, uploadId: string): string {
  return `uploads/${workspaceId}/${uploadId}.csv`;
}
