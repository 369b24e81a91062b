import type { AgentListResponse, AgentObject } from '../../../shared/contracts/agent.ts';
import type { BatchDetailResponse, BatchListResponse, BatchObject } from '../../../shared/contracts/batch.ts';
import type { ErrorEnvelope } from '../../../shared/contracts/common.ts';
import type { PhoneNumberObject } from '../../../shared/contracts/phone-number.ts';
import { ApiError } from './api-error.ts';
import type {
  ConversationResponse,
  CreateBatchCsvFields,
  CreateBatchJsonBody,
  UploadTicket,
  WebhookDeliveriesResponse,
} from './types.ts';

export { ApiError, errorMessage } from './api-error.ts';
export type { CreateBatchBase, CreateBatchCsvFields, CreateBatchJsonBody, UploadTicket } from './types.ts';

/**
 * The dashboard's only way to the service: the public API, with the user's key. Answers are typed by
 * the contracts' schemas (shared/contracts); they are not re-validated here, since a stricter client
 * than the contract would break on a harmless new field.
 */

type Query = Record<string, string | number | undefined>;

function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}

export class ApiClient {
  /**
   * @param baseUrl where `/v1` lives; empty for the dashboard's own origin.
   * @param onUnauthorized called on any 401, so the app can ask for a key again.
   */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; json?: unknown; form?: FormData; idempotencyKey?: string } = {},
  ): Promise<T> {
    const url = new URL(`${this.baseUrl.replace(/\/+$/, '')}${path}`, window.location.href);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      body = options.form; // the browser writes the multipart boundary itself
    }
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;

    let response: Response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch {
      throw new ApiError(0, 'network_error', 'The service could not be reached. Check your connection.');
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = null;
      }
    }
    if (response.ok) return parsed as T;
    if (response.status === 401) this.onUnauthorized();
    if (isErrorEnvelope(parsed)) {
      const retryAfter = response.headers.get('retry-after');
      const suffix = response.status === 429 && retryAfter !== null ? ` Try again in ${retryAfter} s.` : '';
      throw new ApiError(
        response.status,
        parsed.error.code,
        parsed.error.message + suffix,
        parsed.error.fields ?? [],
      );
    }
    throw new ApiError(response.status, 'http_error', `The service answered ${response.status}.`);
  }

  /** Follows next_cursor to the end: agents and numbers are few, and pickers need all of them. */
  private async listAll<K extends string, Item>(path: string, key: K): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.request<Record<K, Item[]> & { next_cursor: string | null }>('GET', path, {
        query: { limit: 200, cursor },
      });
      items.push(...page[key]);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  // Batches ---------------------------------------------------------------------------------------

  listBatches(query: { limit: number; cursor?: string }): Promise<BatchListResponse> {
    return this.request('GET', '/v1/agents/batch-calls', { query });
  }

  getBatch(id: string): Promise<BatchDetailResponse> {
    return this.request('GET', `/v1/agents/batch-calls/${encodeURIComponent(id)}`);
  }

  createBatchJson(body: CreateBatchJsonBody, idempotencyKey: string): Promise<BatchObject> {
    return this.request('POST', '/v1/agents/batch-calls', { json: body, idempotencyKey });
  }

  createBatchCsv(fields: CreateBatchCsvFields, file: File, idempotencyKey: string): Promise<BatchObject> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string' && value !== '') form.append(key, value);
    }
    form.append('csv_file', file, file.name);
    return this.request('POST', '/v1/agents/batch-calls', { form, idempotencyKey });
  }

  /** A place in S3 for one CSV; an API older than uploads answers 404. */
  createUpload(): Promise<UploadTicket> {
    return this.request('POST', '/v1/uploads');
  }

  cancelBatch(id: string): Promise<BatchObject> {
    return this.request('POST', `/v1/agents/batch-calls/${encodeURIComponent(id)}/cancel`);
  }

  getConversation(batchId: string, recipientId: string): Promise<ConversationResponse> {
    return this.request(
      'GET',
      `/v1/agents/batch-calls/${encodeURIComponent(batchId)}/recipients/${encodeURIComponent(recipientId)}/conversation`,
    );
  }

  listWebhookDeliveries(batchId: string): Promise<WebhookDeliveriesResponse> {
    return this.request('GET', `/v1/agents/batch-calls/${encodeURIComponent(batchId)}/webhook-deliveries`);
  }

  redeliver(deliveryId: string): Promise<unknown> {
    return this.request('POST', `/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
  }

  // Agents ----------------------------------------------------------------------------------------

  listAgents(): Promise<AgentObject[]> {
    return this.listAll<'agents', AgentObject>('/v1/agents', 'agents');
  }

  /** One page, for a cheap "does this key work" check. */
  probe(): Promise<AgentListResponse> {
    return this.request('GET', '/v1/agents', { query: { limit: 1 } });
  }

  getAgent(id: string): Promise<AgentObject> {
    return this.request('GET', `/v1/agents/${encodeURIComponent(id)}`);
  }

  createAgent(body: Record<string, unknown>): Promise<AgentObject> {
    return this.request('POST', '/v1/agents', { json: body });
  }

  updateAgent(id: string, body: Record<string, unknown>): Promise<AgentObject> {
    return this.request('PATCH', `/v1/agents/${encodeURIComponent(id)}`, { json: body });
  }

  deleteAgent(id: string): Promise<void> {
    return this.request('DELETE', `/v1/agents/${encodeURIComponent(id)}`);
  }

  rotateWebhookSecret(id: string): Promise<AgentObject> {
    return this.request('POST', `/v1/agents/${encodeURIComponent(id)}/webhook-secret`);
  }

  // Phone numbers ---------------------------------------------------------------------------------

  listPhoneNumbers(): Promise<PhoneNumberObject[]> {
    return this.listAll<'phone_numbers', PhoneNumberObject>('/v1/phone-numbers', 'phone_numbers');
  }

  createPhoneNumber(body: Record<string, unknown>): Promise<PhoneNumberObject> {
    return this.request('POST', '/v1/phone-numbers', { json: body });
  }

  deletePhoneNumber(id: string): Promise<void> {
    return this.request('DELETE', `/v1/phone-numbers/${encodeURIComponent(id)}`);
  }
}
