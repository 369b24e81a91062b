/** Posts one signed webhook. The adapter guards against SSRF at connect time. */
export interface WebhookSendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowLoopback: boolean;
}

export interface WebhookSendResult {
  /** null when no HTTP answer came (refused address, DNS failure, timeout, connection error). */
  statusCode: number | null;
  /** From a 429/503 answer's Retry-After, in seconds. */
  retryAfterSeconds: number | null;
  error: string | null;
  durationMs: number;
}

export type WebhookSender = (request: WebhookSendRequest) => Promise<WebhookSendResult>;
