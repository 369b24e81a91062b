import type { S3Transport } from './csv-upload.ts';

/** The browser's transport to S3: XMLHttpRequest, the one browser API that reports upload progress. */
export const xhrTransport: S3Transport = (url, form, onProgress) =>
  new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.responseText }));
    // A refused CORS answer, a lost connection and a stop all read as "no answer" (status 0).
    for (const failure of ['error', 'abort', 'timeout'] as const) {
      xhr.addEventListener(failure, () => resolve({ status: 0, body: '' }));
    }
    xhr.send(form);
  });
