import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#shared/adapters/aws-clients.ts';
import { createS3UploadStore } from '#shared/adapters/s3/s3-upload-store.ts';
import { LIMITS } from '#shared/domain/limits.ts';
import type { BatchObject } from '#shared/contracts/batch-objects.ts';
import { LOCAL_CREDENTIALS } from '#infra/local/functions/local-env.ts';
import { startS3Emulator, type S3Emulator } from '#infra/local/emulators/s3-emulator.ts';
import { ApiError } from '../../web/src/api/api-error.ts';
import type {
  CreateBatchBase,
  CreateBatchCsvFields,
  CreateBatchJsonBody,
  UploadTicket,
} from '../../web/src/api/types.ts';
import { CsvBatchSender, type CsvSendPhase, formFields } from '../../web/src/api/csv-batch-sender.ts';
import {
  describeS3Failure,
  s3UploadForm,
  type S3Transport,
  UploadError,
  uploadToS3,
} from '../../web/src/api/csv-upload.ts';

/**
 * The dashboard's CSV path: the pre-signed S3 POST form (checked against the S3 emulator the local
 * mode runs), S3's refusals in words, and the sender's rules for uploads, retries and keys.
 */

const csv = (text: string, lastModified = 1_700_000_000_000) =>
  new File([text], 'recipients.csv', { type: 'text/csv', lastModified });

const ticket = (n: number, overrides: Partial<UploadTicket> = {}): UploadTicket => ({
  upload_id: `upl_${String(n).padStart(26, '0')}`,
  method: 'POST',
  url: 'https://files.example.com/',
  fields: { key: `uploads/ws/${n}.csv`, policy: 'p', 'x-amz-signature': 's' },
  file_field: 'file',
  max_bytes: LIMITS.maxCsvBytes,
  expires_at: '2030-01-01T00:00:00.000Z',
  ...overrides,
});

/** Node has no XMLHttpRequest: the same request with fetch, for the emulator. */
const fetchTransport: S3Transport = async (url, form, onProgress) => {
  const res = await fetch(url, { method: 'POST', body: form });
  onProgress(1, 1);
  return { status: res.status, body: await res.text() };
};

describe('the S3 POST form', () => {
  it('sends every signed field first, in order, and the file last under file_field', () => {
    const form = s3UploadForm(
      {
        fields: { key: 'k', 'Content-Type': 'text/csv', Policy: 'p', 'X-Amz-Signature': 's' },
        file_field: 'file',
      },
      csv('phone\n+14155551234\n'),
    );
    const entries = [...form.entries()];
    expect(entries.map(([name]) => name)).toEqual([
      'key',
      'Content-Type',
      'Policy',
      'X-Amz-Signature',
      'file',
    ]);
    const file = entries.at(-1)?.[1];
    expect(file).toBeInstanceOf(File);
    expect((file as File).name).toBe('recipients.csv');
  });

  describe('against the S3 emulator with a real pre-signed POST', () => {
    let s3: S3Emulator;
    const bucket = 'web-upload-test';
    beforeAll(async () => {
      s3 = await startS3Emulator({ bucket });
    });
    afterAll(async () => s3?.stop());

    const store = () =>
      createS3UploadStore({
        client: createS3Client({
          endpoint: s3.endpoint,
          region: 'us-east-1',
          credentials: LOCAL_CREDENTIALS,
        }),
        bucket,
      });

    it('stores the file under the signed key, and the API side reads it back', async () => {
      const uploads = store();
      const presigned = await uploads.presign({
        workspaceId: 'ws_1',
        uploadId: 'upl_1',
        maxBytes: LIMITS.maxCsvBytes,
        expiresInSeconds: 60,
      });
      const text = 'phone,first_name\n+14155551234,Alice\n';
      const progress: number[] = [];
      await uploadToS3({ ...ticket(1), url: presigned.url, fields: presigned.fields }, csv(text), {
        transport: fetchTransport,
        onProgress: (sent, total) => progress.push(sent / total),
      });
      expect(progress).toEqual([1]);
      const stored = await uploads.open('ws_1', 'upl_1');
      expect(stored?.size).toBe(text.length);
      const chunks: Uint8Array[] = [];
      for await (const chunk of stored?.body ?? []) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
    });

    it('answers a browser on another origin with CORS headers (preflight and POST)', async () => {
      const origin = 'http://127.0.0.1:3000';
      const preflight = await fetch(`${s3.endpoint}/${bucket}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

      const presigned = await store().presign({
        workspaceId: 'ws_1',
        uploadId: 'upl_2',
        maxBytes: LIMITS.maxCsvBytes,
        expiresInSeconds: 60,
      });
      const post = await fetch(presigned.url, {
        method: 'POST',
        headers: { origin },
        body: s3UploadForm({ fields: presigned.fields, file_field: 'file' }, csv('phone\n+14155551234\n')),
      });
      expect(post.status).toBe(204);
      expect(post.headers.get('access-control-allow-origin')).toBe('*');
    });
  });
});

describe("S3's refusals in words", () => {
  const small = { size: 100 };

  it('names the limit for EntityTooLarge, from S3 or before sending', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code><Message>Your proposed upload ' +
      'exceeds the maximum allowed size</Message><ProposedSize>6291456</ProposedSize>' +
      '<MaxSizeAllowed>5242880</MaxSizeAllowed><RequestId>R</RequestId><HostId>H</HostId></Error>';
    const error = describeS3Failure({ status: 400, body: xml }, { size: 6 * 1024 * 1024 }, 5 * 1024 * 1024);
    expect(error).toBeInstanceOf(UploadError);
    expect(error.code).toBe('EntityTooLarge');
    expect(error.message).toBe('is 6 MB, larger than the 5 MB an upload may hold');

    // A file over the ticket's limit is refused without sending it.
    let sent = false;
    const transport: S3Transport = async () => {
      sent = true;
      return { status: 204, body: '' };
    };
    const big = new File([new Uint8Array(2048)], 'big.csv');
    await expect(uploadToS3(ticket(1, { max_bytes: 1024 }), big, { transport })).rejects.toThrow(
      'is 2 KB, larger than the 1 KB an upload may hold',
    );
    expect(sent).toBe(false);
  });

  it('says an expired form expired, and quotes any other refusal with its code', () => {
    const expired = describeS3Failure(
      {
        status: 403,
        body: '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>',
      },
      small,
      LIMITS.maxCsvBytes,
    );
    expect(expired.message).toBe(
      'was not accepted: the upload link expired before the file was sent; submit again',
    );
    const condition = describeS3Failure(
      {
        status: 403,
        body:
          '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: ' +
          '[&quot;eq&quot;, &quot;$key&quot;, &quot;uploads/a&amp;b.csv&quot;]</Message></Error>',
      },
      small,
      LIMITS.maxCsvBytes,
    );
    expect(condition.message).toBe(
      'was refused by the file storage: Invalid according to Policy: Policy Condition failed: ' +
        '["eq", "$key", "uploads/a&b.csv"] (AccessDenied)',
    );
    expect(
      describeS3Failure({ status: 400, body: '<Error><Code>EntityTooSmall</Code></Error>' }, small, 10)
        .message,
    ).toBe('is empty');
    const gateway = describeS3Failure({ status: 502, body: '<html>Bad gateway</html>' }, small, 10);
    expect([gateway.message, gateway.code]).toEqual([
      'was refused by the file storage: it answered 502',
      'http_502',
    ]);
  });

  it('tells a lost connection from a file too large for it', () => {
    const lost = describeS3Failure({ status: 0, body: '' }, small, 1000);
    expect([lost.code, lost.message]).toEqual([
      'network_error',
      'could not be sent to the file storage: check your connection and submit again',
    ]);
    // S3 may cut the connection of a too-large body before answering.
    expect(describeS3Failure({ status: 0, body: '' }, { size: 2000 }, 1000).code).toBe('EntityTooLarge');
  });

  it('rejects with the words, and resolves on any 2xx', async () => {
    const answer =
      (status: number, body = ''): S3Transport =>
      async () => ({ status, body });
    await expect(uploadToS3(ticket(1), csv('x'), { transport: answer(204) })).resolves.toBeUndefined();
    await expect(uploadToS3(ticket(1), csv('x'), { transport: answer(201) })).resolves.toBeUndefined();
    await expect(
      uploadToS3(ticket(1), csv('x'), {
        transport: answer(400, '<Error><Code>EntityTooSmall</Code><Message>Too small</Message></Error>'),
      }),
    ).rejects.toMatchObject({
      name: 'UploadError',
      code: 'EntityTooSmall',
      status: 400,
      message: 'is empty',
    });
  });
});

/** The API as the sender sees it, recording every call; each answer is decided by the test. */
class RecordingApi {
  readonly calls: string[] = [];
  readonly creates: Array<{ body: CreateBatchJsonBody | CreateBatchCsvFields; key: string; file?: File }> =
    [];
  private tickets = 0;
  uploadAnswer: () => UploadTicket | Error = () => ticket(++this.tickets);
  createAnswers: Array<Error | null> = [];

  async createUpload(): Promise<UploadTicket> {
    this.calls.push('createUpload');
    const answer = this.uploadAnswer();
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async createBatchJson(body: CreateBatchJsonBody, key: string): Promise<BatchObject> {
    this.calls.push('createBatchJson');
    this.creates.push({ body, key });
    return this.answer();
  }

  async createBatchCsv(fields: CreateBatchCsvFields, file: File, key: string): Promise<BatchObject> {
    this.calls.push('createBatchCsv');
    this.creates.push({ body: fields, key, file });
    return this.answer();
  }

  private answer(): BatchObject {
    const failure = this.createAnswers.shift();
    if (failure) throw failure;
    return { id: `batch_${this.creates.length}`, status: 'pending' } as BatchObject;
  }
}

/** A sender whose S3 is a transport recording what it got; `refuseNextUpload` makes S3 refuse once. */
function setup() {
  const api = new RecordingApi();
  const uploaded: Array<{
    url: string;
    key: ReturnType<FormData['get']>;
    file: ReturnType<FormData['get']>;
  }> = [];
  let refusal: string | null = null;
  let keys = 0;
  const sender = new CsvBatchSender(api, {
    transport: async (url, form, onProgress) => {
      api.calls.push('upload');
      onProgress(1, 2);
      if (refusal !== null) {
        const body = refusal;
        refusal = null;
        return { status: 400, body };
      }
      onProgress(2, 2);
      uploaded.push({ url, key: form.get('key'), file: form.get('file') });
      return { status: 204, body: '' };
    },
    newKey: () => `key-${++keys}`,
  });
  return {
    api,
    sender,
    uploaded,
    refuseNextUpload: (xml: string) => (refusal = xml),
  };
}

const body: CreateBatchBase = { name: 'Reminders', agent_id: 'agent_1', max_concurrent_calls: 3 };
const lost = () => new ApiError(0, 'network_error', 'The service could not be reached.');
const unknownUpload = () =>
  new ApiError(400, 'validation_error', 'Invalid request.', [
    { path: 'csv_upload_id', message: 'names no uploaded file (never uploaded, or expired after a day)' },
  ]);

describe('creating a batch from a CSV', () => {
  it('uploads, then creates with csv_upload_id, reporting each step', async () => {
    const { api, sender, uploaded } = setup();
    const phases: CsvSendPhase[] = [];
    const file = csv('phone\n+14155551234\n');
    const batch = await sender.send(body, file, (p) => phases.push(p));
    expect(batch.id).toBe('batch_1');
    expect(uploaded).toEqual([{ url: ticket(1).url, key: ticket(1).fields.key, file: expect.any(File) }]);
    expect(api.calls).toEqual(['createUpload', 'upload', 'createBatchJson']);
    expect(api.creates[0]).toEqual({ body: { ...body, csv_upload_id: ticket(1).upload_id }, key: 'key-1' });
    expect(phases).toEqual([
      { step: 'uploading', sent: 0, total: file.size },
      { step: 'uploading', sent: 1, total: 2 },
      { step: 'uploading', sent: 2, total: 2 },
      { step: 'creating' },
    ]);
  });

  it('retries a failed create with the same upload and key, without sending the file again', async () => {
    const { api, sender } = setup();
    api.createAnswers = [lost()];
    const file = csv('phone\n+14155551234\n');
    await expect(sender.send(body, file)).rejects.toThrow('could not be reached');
    // The same file chosen again (a new File object) is still the same file.
    await sender.send(body, csv('phone\n+14155551234\n'));
    expect(api.calls).toEqual(['createUpload', 'upload', 'createBatchJson', 'createBatchJson']);
    expect(api.creates[1]).toEqual(api.creates[0]);
  });

  it('keeps the upload but takes a new key when the fields change', async () => {
    const { api, sender } = setup();
    api.createAnswers = [new ApiError(404, 'agent_not_found', 'Agent agent_1 does not exist.')];
    const file = csv('phone\n+14155551234\n');
    await expect(sender.send(body, file)).rejects.toThrow('does not exist');
    await sender.send({ ...body, agent_id: 'agent_2' }, file);
    expect(api.calls.filter((c) => c === 'upload')).toHaveLength(1);
    expect(api.creates.map((c) => c.key)).toEqual(['key-1', 'key-2']);
    expect(api.creates[1]?.body).toMatchObject({ agent_id: 'agent_2', csv_upload_id: ticket(1).upload_id });
  });

  it('uploads a changed file again, under a new key', async () => {
    const { api, sender } = setup();
    api.createAnswers = [
      new ApiError(400, 'validation_error', 'Invalid.', [{ path: 'csv_file:line 2', message: 'x' }]),
    ];
    await expect(sender.send(body, csv('phone\n+1415\n', 1))).rejects.toThrow('Invalid.');
    await sender.send(body, csv('phone\n+14155551234\n', 2));
    expect(api.calls.filter((c) => c === 'upload')).toHaveLength(2);
    expect(api.creates.map((c) => (c.body as { csv_upload_id: string }).csv_upload_id)).toEqual([
      ticket(1).upload_id,
      ticket(2).upload_id,
    ]);
    expect(api.creates.map((c) => c.key)).toEqual(['key-1', 'key-2']);
  });

  it('sends a kept upload the API no longer knows once more, and a fresh unknown one not at all', async () => {
    const { api, sender } = setup();
    const file = csv('phone\n+14155551234\n');
    api.createAnswers = [lost(), unknownUpload()];
    await expect(sender.send(body, file)).rejects.toThrow('could not be reached');
    await sender.send(body, file);
    expect(api.calls).toEqual([
      'createUpload',
      'upload',
      'createBatchJson',
      'createBatchJson',
      'createUpload',
      'upload',
      'createBatchJson',
    ]);
    expect(api.creates.map((c) => [c.key, (c.body as { csv_upload_id: string }).csv_upload_id])).toEqual([
      ['key-1', ticket(1).upload_id],
      ['key-1', ticket(1).upload_id],
      ['key-2', ticket(2).upload_id],
    ]);

    // Just uploaded and still unknown: that is the answer, not a reason to loop.
    const second = setup();
    second.api.createAnswers = [unknownUpload()];
    await expect(second.sender.send(body, file)).rejects.toMatchObject({ status: 400 });
    expect(second.api.calls).toEqual(['createUpload', 'upload', 'createBatchJson']);
  });

  it('asks for a new form after a failed upload, and passes S3’s refusal on', async () => {
    const { api, sender, refuseNextUpload } = setup();
    refuseNextUpload('<Error><Code>EntityTooSmall</Code><Message>Too small</Message></Error>');
    const file = csv('phone\n+14155551234\n');
    const refused = sender.send(body, file);
    await expect(refused).rejects.toBeInstanceOf(UploadError);
    await expect(refused).rejects.toThrow('is empty');
    await sender.send(body, file);
    expect(api.calls).toEqual(['createUpload', 'upload', 'createUpload', 'upload', 'createBatchJson']);
    expect(api.creates[0]?.body).toMatchObject({ csv_upload_id: ticket(2).upload_id });
  });

  it('sends the file as multipart to an API without uploads (404), and asks only once', async () => {
    const { api, sender } = setup();
    api.uploadAnswer = () => new ApiError(404, 'http_error', 'The service answered 404.');
    api.createAnswers = [lost()];
    const file = csv('phone\n+14155551234\n');
    await expect(sender.send(body, file)).rejects.toThrow('could not be reached');
    await sender.send(body, file);
    expect(api.calls).toEqual(['createUpload', 'createBatchCsv', 'createBatchCsv']);
    expect(api.creates[0]).toEqual({
      body: { name: 'Reminders', agent_id: 'agent_1', max_concurrent_calls: '3' },
      key: 'key-1',
      file,
    });
    expect(api.creates[1]?.key).toBe('key-1');
  });

  it('does not fall back on other failures of POST /v1/uploads', async () => {
    const { api, sender } = setup();
    api.uploadAnswer = () => new ApiError(429, 'rate_limited', 'Too many requests.');
    await expect(sender.send(body, csv('phone\n+14155551234\n'))).rejects.toMatchObject({ status: 429 });
    expect(api.calls).toEqual(['createUpload']);
  });

  it('turns the fields into form strings, leaving out what is not set', () => {
    expect(
      formFields({ name: 'A', agent_id: 'agent_1', ringing_timeout_ms: 30000, phone_number_id: undefined }),
    ).toEqual({
      name: 'A',
      agent_id: 'agent_1',
      ringing_timeout_ms: '30000',
    });
  });
});
