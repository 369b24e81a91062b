/**
 * Request bodies and answers of the API as the dashboard uses them; the answers of the running-batch
 * routes come from the shared contracts (the same schemas the API uses).
 */
export type {
  ConversationResponse,
  DeliveryListResponse as WebhookDeliveriesResponse,
  DeliveryObject as WebhookDelivery,
} from '../../../shared/contracts/run.ts';

/** A create request's fields besides its recipients (the same for every way of sending them). */
export interface CreateBatchBase {
  name: string;
  agent_id: string;
  phone_number_id?: string;
  scheduled_at?: string;
  max_concurrent_calls?: number;
  ringing_timeout_ms?: number;
}

export type CreateBatchJsonBody = CreateBatchBase &
  (
    | { recipients: Array<{ phone: string; dynamic_vars: Record<string, string> }> }
    /** A CSV already uploaded with the ticket of `createUpload()`. */
    | { csv_upload_id: string }
  );

/** `POST /v1/uploads`: a pre-signed S3 POST form for one CSV (see web/src/api/csv-upload.ts). */
export interface UploadTicket {
  upload_id: string;
  method: string;
  url: string;
  /** Sent before the file, in this order (policy, signature, key, …). */
  fields: Record<string, string>;
  file_field: string;
  max_bytes: number;
  expires_at: string;
}

/** The multipart text fields (every value a string, as a form sends it). */
export type CreateBatchCsvFields = Record<string, string>;
