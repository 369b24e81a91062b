/**
 * Results exports too large to answer inline (API Gateway and Lambda buffer an answer: 6 MB at most,
 * and less once escaped) are written to the files bucket under exports/ and fetched through a
 * pre-signed GET. The objects expire (a lifecycle rule in AWS); every export renders afresh.
 */
export interface ExportFile {
  key: string;
  contentType: string;
  /** The name the download is saved under (Content-Disposition: attachment). */
  fileName: string;
}

export interface ExportStore {
  /** Writes the rendered file (one PUT: an export of 1,000 recipients is a few MB at most). */
  write(file: ExportFile, body: string): Promise<void>;
  /** A GET URL valid for `expiresInSeconds` that answers with the file's type and disposition. */
  presignGet(file: ExportFile, expiresInSeconds: number): Promise<string>;
}

/** Per workspace and batch, unique per export: an old link never serves a newer file. */
export function exportKey(workspaceId: string, batchId: string, exportId: string, extension: string): string {
  return `exports/${workspaceId}/${batchId}/${exportId}.${extension}`;
}
