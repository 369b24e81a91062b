import { BatchCallsClient, type CallOptions } from '../../../shared/client/api-client.ts';
import { pathOf, type PathParams, type RouteId } from '../../../shared/contracts/route-paths.ts';
import type { RequestJson, ResponseBody } from '../../../shared/contracts/routes.ts';
import type { SseMessage } from '../lib/sse.ts';
import { ApiError } from './api-error.ts';
import { readEventStream } from './event-stream.ts';
import type { CreateBatchCsvFields, CreateBatchJsonBody } from './types.ts';

export { ApiError, errorMessage } from './api-error.ts';
export type {
  CreateBatchBase,
  CreateBatchCsvFields,
  CreateBatchJsonBody,
  PreflightReport,
  UploadTicket,
} from './types.ts';

/**
 * The dashboard's only way to the service: the public API, with the user's key, through the typed
 * client (shared/client/api-client.ts, written over the route table; no schema is bundled). This
 * class only names the calls the pages make and words a rate limit for people.
 */

type Options<Id extends RouteId> = Omit<CallOptions<Id>, 'params'>;

/** `listRecipients`' query: a page and its filters. */
export interface RecipientPageQuery {
  limit?: number;
  cursor?: string;
  status?: string;
  outcome?: string;
  phone?: string;
}

/** The multipart body of create and preflight: the text fields given, then the file. */
function batchForm(fields: CreateBatchCsvFields, file: File): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string' && value !== '') form.append(key, value);
  }
  form.append('csv_file', file, file.name);
  return form;
}

export class ApiClient {
  private readonly client: BatchCallsClient;

  /**
   * @param baseUrl where `/v1` lives; empty for the dashboard's own origin.
   * @param onUnauthorized called on any 401, so the app can ask for a key again.
   */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly onUnauthorized: () => void = () => undefined,
    /** Where the live event streams are: a function URL in AWS (config.json), else `baseUrl`. */
    private readonly eventsBaseUrl: string = baseUrl,
  ) {
    this.client = new BatchCallsClient({ baseUrl, apiKey, onUnauthorized });
  }

  /** Reads a batch's live event stream until it ends or closes (./event-stream.ts). */
  streamBatchEvents(
    id: string,
    options: { lastEventId: string | null; signal: AbortSignal; onMessage(message: SseMessage): void },
  ): Promise<'end' | 'closed'> {
    const base = this.eventsBaseUrl.replace(/\/+$/, '');
    const url = new URL(`${base}${pathOf('batchEvents', { id })}`, window.location.href).toString();
    return readEventStream({ url, apiKey: this.apiKey, ...options }).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) this.onUnauthorized();
      throw error;
    });
  }

  /** One route of the table: its method, its path with `params` filled in, the answer its schema types. */
  async call<Id extends RouteId>(
    id: Id,
    params: PathParams<Id>,
    options?: Options<Id>,
  ): Promise<ResponseBody<Id>> {
    try {
      return await this.client.call(id, ...([{ ...options, params }] as never));
    } catch (error) {
      if (error instanceof ApiError && error.status === 429 && error.retryAfterSeconds !== null) {
        const { status, code, message, fields, requestId, retryAfterSeconds } = error;
        const words = `${message} Try again in ${retryAfterSeconds} s.`;
        throw new ApiError(status, code, words, fields, requestId, retryAfterSeconds);
      }
      throw error;
    }
  }

  /** Follows next_cursor to the end: agents and numbers are few, and pickers need all of them. */
  private async listAll<Item>(
    page: (cursor: string | undefined) => Promise<{ items: Item[]; next: string | null }>,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | undefined;
    do {
      const answer = await page(cursor);
      items.push(...answer.items);
      cursor = answer.next ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  // Batches ---------------------------------------------------------------------------------------

  listBatches(query: { limit: number; cursor?: string }) {
    return this.call('listBatches', {}, { query });
  }

  getBatch(id: string) {
    return this.call('getBatch', { id });
  }

  createBatchJson(body: CreateBatchJsonBody, idempotencyKey: string) {
    return this.call('createBatch', {}, { json: body, idempotencyKey });
  }

  createBatchCsv(fields: CreateBatchCsvFields, file: File, idempotencyKey: string) {
    return this.call('createBatch', {}, { form: batchForm(fields, file), idempotencyKey });
  }

  /** What create would do with the same body; stores nothing (`valid: false` lists create's errors). */
  preflightBatchJson(body: CreateBatchJsonBody, signal?: AbortSignal) {
    return this.call('preflightBatch', {}, { json: body, ...(signal ? { signal } : {}) });
  }

  preflightBatchCsv(fields: CreateBatchCsvFields, file: File, signal?: AbortSignal) {
    return this.call('preflightBatch', {}, { form: batchForm(fields, file), ...(signal ? { signal } : {}) });
  }

  /** A place in S3 for one CSV; an API older than uploads answers 404. */
  createUpload() {
    return this.call('createUpload', {});
  }

  cancelBatch(id: string) {
    return this.call('cancelBatch', { id });
  }

  pauseBatch(id: string) {
    return this.call('pauseBatch', { id });
  }

  resumeBatch(id: string) {
    return this.call('resumeBatch', { id });
  }

  stopBatch(id: string) {
    return this.call('stopBatch', { id });
  }

  /** Changes a paused batch's pacing, retries, window or guardrails (409 in any other status). */
  editBatch(id: string, body: Record<string, unknown>) {
    return this.call('editBatch', { id }, { json: body as RequestJson<'editBatch'> });
  }

  /** The recipient with its attempt history. */
  getRecipient(batchId: string, recipientId: string) {
    return this.call('getRecipient', { id: batchId, recipientId });
  }

  getConversation(batchId: string, recipientId: string) {
    return this.call('getConversation', { id: batchId, recipientId });
  }

  /** One page of a batch's recipients, filtered (status, outcome, phone prefix or last digits). */
  listRecipients(batchId: string, query: RecipientPageQuery) {
    return this.call('listRecipients', { id: batchId }, { query: { ...query } as never });
  }

  /**
   * The results export as a file. A large one answers 303 to a pre-signed S3 download: fetch follows
   * it, and leaves the API key behind (a browser drops Authorization on a redirect to another origin).
   * Not through the typed client, which reads answers as text: this one is a file.
   */
  async downloadExport(batchId: string, format: 'csv' | 'jsonl'): Promise<Blob> {
    const url = new URL(
      `${this.baseUrl.replace(/\/+$/, '')}${pathOf('exportBatch', { id: batchId })}`,
      window.location.href,
    );
    url.searchParams.set('format', format);
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${this.apiKey}` } });
    } catch {
      throw new ApiError(0, 'network_error', 'The export could not be downloaded. Check your connection.');
    }
    if (response.ok) return response.blob();
    if (response.status === 401) this.onUnauthorized();
    const parsed = (await response.json().catch(() => null)) as {
      error?: { code?: unknown; message?: unknown };
    } | null;
    if (typeof parsed?.error?.code === 'string' && typeof parsed.error.message === 'string') {
      throw new ApiError(response.status, parsed.error.code, parsed.error.message);
    }
    throw new ApiError(response.status, 'http_error', `The service answered ${response.status}.`);
  }

  listWebhookDeliveries(batchId: string) {
    return this.call('listWebhookDeliveries', { id: batchId });
  }

  redeliver(deliveryId: string) {
    return this.call('redeliverWebhook', { id: deliveryId });
  }

  // Agents ----------------------------------------------------------------------------------------

  listAgents() {
    return this.listAll(async (cursor) => {
      const page = await this.call('listAgents', {}, { query: { limit: 200, cursor } });
      return { items: page.agents, next: page.next_cursor };
    });
  }

  /** One page, for a cheap "does this key work" check. */
  probe() {
    return this.call('listAgents', {}, { query: { limit: 1 } });
  }

  getAgent(id: string) {
    return this.call('getAgent', { id });
  }

  // The agent and number forms check their requests with the contract's schemas before sending.
  createAgent(body: Record<string, unknown>) {
    return this.call('createAgent', {}, { json: body as RequestJson<'createAgent'> });
  }

  updateAgent(id: string, body: Record<string, unknown>) {
    return this.call('updateAgent', { id }, { json: body as RequestJson<'updateAgent'> });
  }

  deleteAgent(id: string) {
    return this.call('deleteAgent', { id });
  }

  rotateWebhookSecret(id: string) {
    return this.call('rotateWebhookSecret', { id });
  }

  // Phone numbers ---------------------------------------------------------------------------------

  listPhoneNumbers() {
    return this.listAll(async (cursor) => {
      const page = await this.call('listPhoneNumbers', {}, { query: { limit: 200, cursor } });
      return { items: page.phone_numbers, next: page.next_cursor };
    });
  }

  createPhoneNumber(body: Record<string, unknown>) {
    return this.call('createPhoneNumber', {}, { json: body as RequestJson<'createPhoneNumber'> });
  }

  deletePhoneNumber(id: string) {
    return this.call('deletePhoneNumber', { id });
  }

  // Suppression list ------------------------------------------------------------------------------

  listSuppressions(query: { limit: number; cursor?: string; phone?: string }) {
    return this.call('listSuppressions', {}, { query });
  }

  /** 201 with a new entry, 200 with the phone's existing one. */
  createSuppression(body: { phone: string; reason: string | null; expires_at: string | null }) {
    return this.call('createSuppression', {}, { json: body });
  }

  /** A CSV with a `phone` column (and an optional `reason`): how many were added, present, refused. */
  importSuppressions(file: File) {
    const form = new FormData();
    form.append('csv_file', file, file.name);
    return this.call('createSuppression', {}, { form });
  }

  deleteSuppression(id: string) {
    return this.call('deleteSuppression', { id });
  }
}
