import type { CallingWindowObject, RetryInput } from '../../../shared/contracts/campaign.ts';
import type { DuplicatePolicy } from '../../../shared/domain/batch.ts';
import type { ResponseBody } from '../../../shared/contracts/routes.ts';

/**
 * Request bodies as the dashboard sends them. The answers are inferred from the route table's response
 * schemas (shared/contracts/routes.ts); the names below are the dashboard's for some of them.
 */
export type ConversationResponse = ResponseBody<'getConversation'>;
export type WebhookDeliveriesResponse = ResponseBody<'listWebhookDeliveries'>;
export type WebhookDelivery = WebhookDeliveriesResponse['deliveries'][number];
export type UploadTicket = ResponseBody<'createUpload'>;
export type PreflightReport = ResponseBody<'preflightBatch'>;

/** A create request's fields besides its recipients (the same for every way of sending them). */
export interface CreateBatchBase {
  name: string;
  agent_id: string;
  phone_number_id?: string;
  scheduled_at?: string;
  max_concurrent_calls?: number;
  ringing_timeout_ms?: number;
  retry?: RetryInput;
  calling_window?: CallingWindowObject;
  guardrails?: { max_failure_rate?: number; min_calls?: number; max_call_minutes?: number };
  duplicates?: DuplicatePolicy;
  /** At most `max_attempts` calls per phone in any `window_hours`, across the workspace's batches. */
  contact_limit?: { max_attempts: number; window_hours: number };
  /** Dial recipients lacking a placeholder's variable (they fail at dial) instead of refusing. */
  allow_missing_variables?: boolean;
}

export type CreateBatchJsonBody = CreateBatchBase &
  (
    | { recipients: Array<{ phone: string; dynamic_vars: Record<string, string | number | boolean> }> }
    /** A CSV already uploaded with the ticket of `createUpload()`. */
    | { csv_upload_id: string }
  );

/** The multipart text fields (every value a string, as a form sends it). */
export type CreateBatchCsvFields = Record<string, string>;
