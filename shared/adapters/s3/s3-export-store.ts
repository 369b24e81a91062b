import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from '../../domain/results-export.ts';
import type { ExportStore } from '../../ports/exports.ts';

/**
 * Exports in the files bucket. The object keeps its type and disposition, and the signed URL asks
 * for them again (`response-content-*`), so the download is right whichever S3 answers it.
 */
export function createS3ExportStore(options: { client: S3Client; bucket: string }): ExportStore {
  const { client, bucket } = options;
  return {
    async write(file, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: file.key,
          Body: Buffer.from(body, 'utf8'),
          ContentType: file.contentType,
          ContentDisposition: attachmentDisposition(file.fileName),
        }),
      );
    },
    presignGet(file, expiresInSeconds) {
      return getSignedUrl(
        client,
        new GetObjectCommand({
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
