import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from '../../domain/results-export.ts';
import type { ExportStore } from '../../ports/exports.ts';
import { s3Access, type S3Access } from './s3-client.ts';

/**
 * Exports in the files bucket. The object keeps its type and disposition, and the signed URL asks
 * for them again (`response-content-*`), so the download is right whichever S3 answers it.
 */
export function createS3ExportStore(options: { client: S3Client | S3Access; bucket: string }): ExportStore {
  const { bucket } = options;
  const s3 = s3Access(options.client);
  return {
    async write(file, body) {
      const { sdk, client } = await s3.load();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: file.key,
          Body: Buffer.from(body, 'utf8'),
          ContentType: file.contentType,
          ContentDisposition: attachmentDisposition(file.fileName),
        }),
      );
    },
    async presignGet(file, expiresInSeconds) {
      const { sdk, client } = await s3.load();
      return getSignedUrl(
        client,
        new sdk.GetObjectCommand({
          Bucket: bucket,
          Key: file.key,
          ResponseContentType: file.contentType,
          ResponseContentDisposition: attachmentDisposition(file.fileName),
        }),
        { expiresIn: expiresInSeconds },
      );
    },
  };
}
