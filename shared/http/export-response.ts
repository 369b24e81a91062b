import type { ExportAnswer } from '../app/results-export.ts';
import { attachmentDisposition } from '../domain/results-export.ts';
import type { ApiRequest } from './api-request.ts';
import type { HttpResponse } from './respond.ts';

/**
 * An export as an HTTP answer: the file itself with `Content-Disposition: attachment`, or a `303`
 * to its pre-signed download (a client following redirects, `curl -L`, gets the file either way).
 */
export function exportResponse(req: ApiRequest, answer: ExportAnswer): HttpResponse {
  const common = { 'x-request-id': req.requestId, 'cache-control': 'no-store' };
  if (answer.kind === 'redirect') {
    return { statusCode: 303, headers: { ...common, location: answer.url }, body: '' };
  }
  return {
    statusCode: 200,
    headers: {
      ...common,
      'content-type': answer.contentType,
      'content-disposition': attachmentDisposition(answer.fileName),
    },
    body: answer.body,
  };
}
