import type { UploadTicket } from './types.ts';

/**
 * Sends a CSV straight to S3 with the pre-signed POST form of `POST /v1/uploads`. Through API
 * Gateway + Lambda a multipart body only fits about 4.4 MB (README "Limits"), so this is how the
 * contract's 5 MB CSV reaches the service. S3 answers in its own XML; its refusals are put in words
 * here, to be shown next to the CSV field. The browser's transport is in ./xhr-transport.ts, apart,
 * so this module needs no DOM.
 */

/** The upload did not reach S3, or S3 refused it; `message` reads after "csv_file: ". */
export class UploadError extends Error {
  constructor(
    message: string,
    /** S3's error code (`EntityTooLarge`, `AccessDenied`, …), `network_error`, or `http_<status>`. */
    readonly code: string,
    /** S3's HTTP status; 0 when no answer was read. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** What a transport read back: the status (0 when the request failed) and the body text. */
export interface S3Answer {
  status: number;
  body: string;
}

export type UploadProgress = (sent: number, total: number) => void;

/** Sends the form and reads the answer; never throws (a failure is status 0). */
export type S3Transport = (url: string, form: FormData, onProgress: UploadProgress) => Promise<S3Answer>;

/**
 * The form S3 expects: every signed field first, in the order given, and the file last (S3 ignores
 * any field after the file, so a field behind it would be missing from the policy check).
 */
export function s3UploadForm(ticket: Pick<UploadTicket, 'fields' | 'file_field'>, file: File): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append(ticket.file_field, file, file.name);
  return form;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** One element's text of S3's flat `<Error>` document (no DOMParser: this also runs in Node's tests). */
function xmlText(xml: string, tag: string): string | null {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (match === null) return null;
  return (match[1] ?? '').replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '');
}

export function formatBytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  if (mb >= 1) return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

/** Words for a failed upload, read after the field name ("csv_file: …"). */
export function describeS3Failure(answer: S3Answer, file: { size: number }, maxBytes: number): UploadError {
  if (answer.status === 0) {
    // S3 may close the connection on a too-large body before the browser finishes sending it.
    if (file.size > maxBytes) return tooLarge(file.size, maxBytes);
    return new UploadError(
      'could not be sent to the file storage: check your connection and submit again',
      'network_error',
      0,
    );
  }
  const code = xmlText(answer.body, 'Code');
  const detail = xmlText(answer.body, 'Message');
  if (code === 'EntityTooLarge') return tooLarge(file.size, maxBytes);
  if (code === 'EntityTooSmall') return new UploadError('is empty', code, answer.status);
  // "Invalid according to Policy: Policy expired." — the form is valid for minutes only.
  if (code === 'AccessDenied' && /expired/i.test(detail ?? '')) {
    return new UploadError(
      'was not accepted: the upload link expired before the file was sent; submit again',
      code,
      answer.status,
    );
  }
  const because = detail ?? `it answered ${answer.status}`;
  return new UploadError(
    `was refused by the file storage: ${because.replace(/\.$/, '')}${code === null ? '' : ` (${code})`}`,
    code ?? `http_${answer.status}`,
    answer.status,
  );
}

function tooLarge(size: number, maxBytes: number): UploadError {
  return new UploadError(
    `is ${formatBytes(size)}, larger than the ${formatBytes(maxBytes)} an upload may hold`,
    'EntityTooLarge',
    400,
  );
}

/** Uploads the file with the ticket's form; resolves when S3 stored it, or throws an UploadError. */
export async function uploadToS3(
  ticket: UploadTicket,
  file: File,
  options: { transport: S3Transport; onProgress?: UploadProgress },
): Promise<void> {
  // S3 would refuse it after the whole file was sent; saying so first saves the wait.
  if (file.size > ticket.max_bytes) throw tooLarge(file.size, ticket.max_bytes);
  const answer = await options.transport(
    ticket.url,
    s3UploadForm(ticket, file),
    options.onProgress ?? (() => {}),
  );
  if (answer.status >= 200 && answer.status < 300) return;
  throw describeS3Failure(answer, file, ticket.max_bytes);
}
